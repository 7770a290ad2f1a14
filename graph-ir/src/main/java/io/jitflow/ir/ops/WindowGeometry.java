package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.Dim;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a sliding window (a convolution's filter taps, a pooling window) falls over the spatial dims
 * of an activation laid out [batch, spatial..., channels] (channels_last, Keras's default) or
 * [batch, channels, spatial...] (channels_first, ONNX's). Output point {@code o} and window tap
 * {@code k} read input position {@code o * stride + k * dilation - padLo} along each spatial dim;
 * positions outside the input are padding. Spatial sizes are static; the batch dim may be symbolic.
 *
 * <p>Attributes: {@code strides}, {@code dilations} (one per spatial dim, default 1), {@code pads}
 * ({@code [lo0, hi0, lo1, hi1, ...]} as {@code pad}'s paddings, default 0) and {@code data_format}
 * ({@code "channels_last"} or {@code "channels_first"}). "same" padding is a front end's
 * convenience: {@link #samePads} computes it.
 */
public record WindowGeometry(boolean channelsLast, int[] input, int[] window, int[] strides, int[] dilations,
                             int[] padLo, int[] padHi, int[] output) {
    public static final String CHANNELS_LAST = "channels_last";
    public static final String CHANNELS_FIRST = "channels_first";

    /** Adds the attributes every windowed op takes. */
    static OpDef.Builder attributes(OpDef.Builder b) {
        return b.attr(AttrSpec.optional("strides", Attr.Kind.INTS))
                .attr(AttrSpec.optional("dilations", Attr.Kind.INTS))
                .attr(AttrSpec.optional("pads", Attr.Kind.INTS))
                .attr(AttrSpec.withDefault("data_format", new Attr.StringAttr(CHANNELS_LAST)));
    }

    /** Whether the attributes say channels_last (the default); anything but the two formats is an error. */
    public static boolean channelsLast(Attributes a, Function<String, RuntimeException> error) {
        String format = a.getString("data_format");
        if (!format.equals(CHANNELS_LAST) && !format.equals(CHANNELS_FIRST)) {
            throw error.apply("data_format must be \"channels_last\" or \"channels_first\", got \"" + format + "\"");
        }
        return format.equals(CHANNELS_LAST);
    }

    /**
     * The geometry of a window sliding over {@code input} (spatial sizes): output size
     * {@code floor((input + lo + hi - extent) / stride) + 1}, with extent {@code dilation * (window - 1) + 1}.
     */
    public static WindowGeometry of(Attributes a, int[] input, int[] window, Function<String, RuntimeException> error) {
        WindowGeometry g = parse(a, input, window, error);
        for (int i = 0; i < input.length; i++) {
            long padded = (long) input[i] + g.padLo[i] + g.padHi[i];
            if (padded > Integer.MAX_VALUE) {
                throw error.apply("the padded input would have " + padded + " elements along spatial dim " + i);
            }
            if (padded < g.extent(i)) {
                throw error.apply("the window spans " + g.extent(i) + " along spatial dim " + i + ", more than the "
                        + padded + " of the padded input " + Arrays.toString(input));
            }
            g.output[i] = (int) ((padded - g.extent(i)) / g.strides[i] + 1);
        }
        return g;
    }

    /**
     * The geometry of the convolution a transposed convolution transposes: it maps {@code input}
     * back onto an output of size {@code (input - 1) * stride + extent - lo - hi + output_padding},
     * the forward convolution's input; {@link #input} and {@link #output} here are the forward's.
     */
    public static WindowGeometry transposed(Attributes a, int[] input, int[] window,
                                            Function<String, RuntimeException> error) {
        int rank = input.length;
        long[] outputPadding = a.has("output_padding") ? a.getInts("output_padding") : new long[rank];
        if (outputPadding.length != rank) {
            throw error.apply("output_padding needs one entry per spatial dim (" + rank + "), got "
                    + Arrays.toString(outputPadding));
        }
        WindowGeometry parsed = parse(a, new int[rank], window, error);
        int[] forwardInput = new int[rank];
        for (int i = 0; i < rank; i++) {
            if (outputPadding[i] < 0 || outputPadding[i] >= parsed.strides[i]) {
                throw error.apply("output_padding must be in [0, stride), got " + Arrays.toString(outputPadding)
                        + " with strides " + Arrays.toString(parsed.strides));
            }
            long size = (long) (input[i] - 1) * parsed.strides[i] + parsed.extent(i) - parsed.padLo[i]
                    - parsed.padHi[i] + outputPadding[i];
            if (size < 1 || size + parsed.padLo[i] + parsed.padHi[i] > Integer.MAX_VALUE) {
                throw error.apply("the output would have " + size + " elements along spatial dim " + i);
            }
            forwardInput[i] = (int) size;
        }
        return new WindowGeometry(parsed.channelsLast, forwardInput, window, parsed.strides, parsed.dilations,
                parsed.padLo, parsed.padHi, input.clone());
    }

    private static WindowGeometry parse(Attributes a, int[] input, int[] window,
                                        Function<String, RuntimeException> error) {
        int rank = input.length;
        int[] strides = perDim(a, "strides", rank, 1, error);
        int[] dilations = perDim(a, "dilations", rank, 1, error);
        int[] lo = new int[rank];
        int[] hi = new int[rank];
        if (a.has("pads")) {
            long[] pads = a.getInts("pads");
            if (pads.length != 2 * rank) {
                throw error.apply("pads needs 2 entries per spatial dim (" + 2 * rank + "), got " + Arrays.toString(pads));
            }
            for (int i = 0; i < rank; i++) {
                if (pads[2 * i] < 0 || pads[2 * i + 1] < 0 || pads[2 * i] > 1 << 20 || pads[2 * i + 1] > 1 << 20) {
                    throw error.apply("pads must be in [0, 2^20], got " + Arrays.toString(pads));
                }
                lo[i] = (int) pads[2 * i];
                hi[i] = (int) pads[2 * i + 1];
            }
        }
        for (int i = 0; i < rank; i++) {
            if (window[i] < 1) {
                throw error.apply("the window must have at least one tap along each spatial dim, got "
                        + Arrays.toString(window));
            }
            long extent = (long) dilations[i] * (window[i] - 1) + 1;
            if (extent > Integer.MAX_VALUE) {
                throw error.apply("the window would span " + extent + " elements along spatial dim " + i + " ("
                        + window[i] + " taps, dilation " + dilations[i] + ")");
            }
        }
        return new WindowGeometry(channelsLast(a, error), input.clone(), window.clone(), strides, dilations, lo, hi,
                new int[rank]);
    }

    private static int[] perDim(Attributes a, String name, int rank, int fallback,
                                Function<String, RuntimeException> error) {
        int[] values = new int[rank];
        Arrays.fill(values, fallback);
        if (a.has(name)) {
            long[] given = a.getInts(name);
            if (given.length != rank) {
                throw error.apply(name + " needs one entry per spatial dim (" + rank + "), got " + Arrays.toString(given));
            }
            for (int i = 0; i < rank; i++) {
                if (given[i] < 1 || given[i] > 1 << 20) {
                    throw error.apply(name + " must be in [1, 2^20], got " + Arrays.toString(given));
                }
                values[i] = (int) given[i];
            }
        }
        return values;
    }

    /**
     * TensorFlow's "same" padding for these sizes: the output has {@code ceil(input / stride)}
     * elements and the extra row, when the total is odd, goes at the end. As {@code pads}.
     */
    public static long[] samePads(int[] input, int[] window, int[] strides, int[] dilations) {
        long[] pads = new long[2 * input.length];
        for (int i = 0; i < input.length; i++) {
            int out = (input[i] + strides[i] - 1) / strides[i];
            int total = Math.max((out - 1) * strides[i] + dilations[i] * (window[i] - 1) + 1 - input[i], 0);
            pads[2 * i] = total / 2;
            pads[2 * i + 1] = total - total / 2;
        }
        return pads;
    }

    /** The number of spatial dims. */
    public int rank() {
        return input.length;
    }

    /** The span of the window along spatial dim {@code i}, dilation included. */
    public int extent(int i) {
        return dilations[i] * (window[i] - 1) + 1;
    }

    /** The number of taps in one window. */
    public int windowSize() {
        int size = 1;
        for (int k : window) {
            size *= k;
        }
        return size;
    }

    /** Per output point (row-major), how many taps of its window fall inside the input. */
    public int[] insideTaps() {
        int[] counts = new int[Shape.checkedElementCount(output)];
        for (int flat = 0; flat < counts.length; flat++) {
            int count = 1;
            for (int i = rank() - 1, rest = flat; i >= 0; rest /= output[i], i--) {
                int inside = 0;
                for (int k = 0; k < window[i]; k++) {
                    int p = position(i, rest % output[i], k);
                    inside += p >= 0 && p < input[i] ? 1 : 0;
                }
                count *= inside;
            }
            counts[flat] = count;
        }
        return counts;
    }

    /** The input position output point {@code o} reads with tap {@code k} along spatial dim {@code i}. */
    public int position(int i, int o, int k) {
        return o * strides[i] + k * dilations[i] - padLo[i];
    }

    /** The input position output point {@code o} reads with tap {@code k} along spatial dim {@code i}, or -1 for padding. */
    public int inputAt(int i, int o, int k) {
        int p = position(i, o, k);
        return p >= 0 && p < input[i] ? p : -1;
    }

    /** The output point that reads input position {@code p} with tap {@code k} along spatial dim {@code i}, or -1 if none does. */
    public int outputAt(int i, int p, int k) {
        int t = p + padLo[i] - k * dilations[i];
        return t >= 0 && t % strides[i] == 0 && t / strides[i] < output[i] ? t / strides[i] : -1;
    }

    /** Whether some window of spatial dim {@code i} reads padding below 0 or at or past the input's end. */
    public boolean padsBelow(int i) {
        return padLo[i] > 0;
    }

    public boolean padsAbove(int i) {
        return position(i, output[i] - 1, window[i] - 1) >= input[i];
    }

    /** The axis of spatial dim {@code i} in an activation of this layout. */
    public int spatialAxis(int i) {
        return channelsLast ? 1 + i : 2 + i;
    }

    /** The channel axis of an activation of this layout. */
    public int channelAxis() {
        return channelsLast ? input.length + 1 : 1;
    }

    /** The spatial sizes of a static activation shape in the given layout. */
    public static int[] spatial(int[] shape, boolean channelsLast) {
        return Arrays.copyOfRange(shape, channelsLast ? 1 : 2, channelsLast ? shape.length - 1 : shape.length);
    }

    /**
     * The spatial sizes of operand 0 of a windowed op, checked: a floating activation of rank 3
     * to 5 whose spatial dims are static.
     */
    static int[] checkedSpatial(io.jitflow.ir.InferCall c) {
        c.requireKind(0, io.jitflow.ir.DType.Kind.FLOAT);
        io.jitflow.ir.TensorType x = c.operand(0);
        if (x.rank() < 3 || x.rank() > 5) {
            throw c.error("the input must have rank 3 to 5 (batch, 1 to 3 spatial dims, channels), got " + x);
        }
        return spatial(x.shape(), channelsLast(c.attrs(), c::error), c::error);
    }

    /** The spatial sizes of {@code shape}, or an error naming the dims that are not static. */
    public static int[] spatial(Shape shape, boolean channelsLast, Function<String, RuntimeException> error) {
        List<Dim> dims = shape.dims().subList(channelsLast ? 1 : 2, channelsLast ? shape.rank() - 1 : shape.rank());
        int[] sizes = new int[dims.size()];
        for (int i = 0; i < sizes.length; i++) {
            if (!dims.get(i).isStatic()) {
                throw error.apply("spatial dims must be static, got " + shape);
            }
            sizes[i] = dims.get(i).size();
        }
        return sizes;
    }

    /** An activation shape of this layout: {@code batch}, {@code spatial} and {@code channels}. */
    public static Shape activation(Dim batch, int[] spatial, Dim channels, boolean channelsLast) {
        List<Dim> dims = new ArrayList<>();
        dims.add(batch);
        if (!channelsLast) {
            dims.add(channels);
        }
        for (int s : spatial) {
            dims.add(Dim.of(s));
        }
        if (channelsLast) {
            dims.add(channels);
        }
        return Shape.of(dims);
    }

    /** The flat index of element (n, position..., c) of an activation with these spatial sizes and channels. */
    static int flatIndex(boolean channelsLast, int[] spatial, int channels, int n, int[] position, int c) {
        int index = channelsLast ? n : n * channels + c;
        for (int i = 0; i < spatial.length; i++) {
            index = index * spatial[i] + position[i];
        }
        return channelsLast ? index * channels + c : index;
    }

    /** Calls {@code visit} with every point of {@code [0, extents)} in row-major order (one array, reused). */
    static void forEachPoint(int[] extents, Consumer<int[]> visit) {
        int[] point = new int[extents.length];
        int count = Shape.checkedElementCount(extents);
        for (int flat = 0; flat < count; flat++) {
            visit.accept(point);
            for (int d = extents.length - 1; d >= 0; d--) {
                if (++point[d] < extents[d]) {
                    break;
                }
                point[d] = 0;
            }
        }
    }

    /** These attributes as {@code pads}, {@code strides} and {@code dilations} (for building ops). */
    public Attributes.Builder toAttributes() {
        long[] pads = new long[2 * rank()];
        for (int i = 0; i < rank(); i++) {
            pads[2 * i] = padLo[i];
            pads[2 * i + 1] = padHi[i];
        }
        return Attributes.builder().putInts("strides", longs(strides)).putInts("dilations", longs(dilations))
                .putInts("pads", pads).put("data_format", channelsLast ? CHANNELS_LAST : CHANNELS_FIRST);
    }

    /** {@code values} widened, for int-list attributes. */
    public static long[] longs(int[] values) {
        return Arrays.stream(values).asLongStream().toArray();
    }
}
