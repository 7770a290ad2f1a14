package io.jitflow;

import static io.jitflow.ir.ops.WindowGeometry.longs;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.Arrays;

/**
 * How a convolution's filter or a pooling window slides over the spatial dims: strides, dilations,
 * padding ("valid", "same" as TensorFlow computes it, or explicit per side), the data format and,
 * for convolutions, groups. Immutable: each method returns a changed copy, as in
 * {@code Window.same().strides(2, 2)}. Unset strides and dilations are 1 along every spatial dim.
 */
public final class Window {
    private enum Padding { VALID, SAME, EXPLICIT }

    private final Padding padding;
    private final int[] pads;
    private final int[] strides;
    private final int[] dilations;
    private final boolean channelsFirst;
    private final int groups;

    private Window(Padding padding, int[] pads, int[] strides, int[] dilations, boolean channelsFirst, int groups) {
        this.padding = padding;
        this.pads = pads;
        this.strides = strides;
        this.dilations = dilations;
        this.channelsFirst = channelsFirst;
        this.groups = groups;
    }

    /** No padding: windows lie wholly inside the input. */
    public static Window valid() {
        return new Window(Padding.VALID, null, null, null, false, 1);
    }

    /**
     * Zero padding (never the max of a max pool) so that the output has {@code ceil(input / stride)}
     * elements per spatial dim; for a transposed convolution, {@code input * stride}.
     */
    public static Window same() {
        return new Window(Padding.SAME, null, null, null, false, 1);
    }

    /** Explicit padding, {@code before, after} for each spatial dim in turn. */
    public static Window pads(int... beforeAfter) {
        return new Window(Padding.EXPLICIT, beforeAfter.clone(), null, null, false, 1);
    }

    public Window strides(int... strides) {
        return new Window(padding, pads, strides.clone(), dilations, channelsFirst, groups);
    }

    public Window dilations(int... dilations) {
        return new Window(padding, pads, strides, dilations.clone(), channelsFirst, groups);
    }

    /** Activations laid out [batch, channels, spatial...] (ONNX's layout) rather than channels last. */
    public Window channelsFirst() {
        return new Window(padding, pads, strides, dilations, true, groups);
    }

    /** Convolutions only: the channels split into this many groups convolved separately (depthwise: as many as channels). */
    public Window groups(int groups) {
        return new Window(padding, pads, strides, dilations, channelsFirst, groups);
    }

    /** The attributes of a windowed op over {@code x} with a window of {@code size} taps per spatial dim. */
    Attributes.Builder attributes(TensorType x, int[] size, boolean transposed) {
        int rank = size.length;
        int[] s = perDim(strides, rank, "strides");
        int[] d = perDim(dilations, rank, "dilations");
        Attributes.Builder a = Attributes.builder().putInts("strides", longs(s)).putInts("dilations", longs(d))
                .put("data_format", channelsFirst ? WindowGeometry.CHANNELS_FIRST : WindowGeometry.CHANNELS_LAST);
        if (groups != 1) {
            a.put("groups", (long) groups);
        }
        long[] explicit = new long[2 * rank];
        long[] outputPadding = new long[rank];
        if (padding == Padding.EXPLICIT) {
            if (pads.length != 2 * rank) {
                throw new IllegalArgumentException("pads needs before and after for each of the " + rank
                        + " spatial dims, got " + Arrays.toString(pads));
            }
            explicit = longs(pads);
        } else if (transposed) {
            // As Keras: "same" gives input * stride elements, "valid" at least that many.
            for (int i = 0; i < rank; i++) {
                int extent = d[i] * (size[i] - 1) + 1;
                int total = padding == Padding.SAME ? Math.max(extent - s[i], 0) : 0;
                explicit[2 * i] = total / 2;
                explicit[2 * i + 1] = total - total / 2;
                outputPadding[i] = Math.max(s[i] - extent, 0);
            }
            a.putInts("output_padding", outputPadding);
        } else if (padding == Padding.SAME) {
            if (x.rank() != rank + 2) {
                throw new IllegalArgumentException("a window over " + rank + " spatial dims needs an input of rank "
                        + (rank + 2) + ", got " + x);
            }
            int[] spatial = new int[rank];
            for (int i = 0; i < rank; i++) {
                spatial[i] = x.shape().dim(channelsFirst ? 2 + i : 1 + i).size();
            }
            explicit = WindowGeometry.samePads(spatial, size, s, d);
        }
        return a.putInts("pads", explicit);
    }

    private static int[] perDim(int[] given, int rank, String name) {
        if (given == null) {
            int[] ones = new int[rank];
            Arrays.fill(ones, 1);
            return ones;
        }
        if (given.length != rank) {
            throw new IllegalArgumentException(name + " needs one entry per spatial dim (" + rank + "), got "
                    + Arrays.toString(given));
        }
        return given;
    }

}
