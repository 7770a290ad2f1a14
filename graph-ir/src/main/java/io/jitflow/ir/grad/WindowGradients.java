package io.jitflow.ir.grad;

import static io.jitflow.ir.ops.WindowGeometry.longs;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.ops.Pooling;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gradients of the windowed ops, built from convolutions so that they fuse, compile and can be
 * differentiated again: conv's input gradient is conv_transpose with the same window, its filter
 * gradient a conv of the input by the output gradient (stride and dilation swapped), and
 * conv_transpose's gradients are those two the other way round. Average pooling's gradient is a
 * depthwise conv_transpose of the scaled gradient with a filter of ones.
 */
final class WindowGradients {
    private WindowGradients() {
    }

    static List<OpValue> conv(GradientRule.Call c) {
        OpValue x = c.input(0);
        OpValue w = c.input(1);
        WindowGeometry g = geometry(c.attrs(), x, w, false);
        int groups = (int) c.attrs().getInt("groups");
        return List.of(transposedConv(c.b(), c.g(), w, g, groups), filterGradient(c.b(), x, c.g(), g, groups));
    }

    static List<OpValue> convTranspose(GradientRule.Call c) {
        OpValue x = c.input(0);
        OpValue w = c.input(1);
        WindowGeometry g = geometry(c.attrs(), x, w, true);
        int groups = (int) c.attrs().getInt("groups");
        OpValue dx = c.b().one(Op.CONV, g.toAttributes().put("groups", groups).build(), c.g(), w);
        return List.of(dx, filterGradient(c.b(), c.g(), x, g, groups));
    }

    static List<OpValue> maxPool(GradientRule.Call c) {
        return List.of(c.b().one(Op.MAX_POOL_GRAD, c.attrs(), c.x(), c.g()));
    }

    /** The gradient of avg_pool: each window's gradient shared evenly among the taps it counted. */
    static List<OpValue> avgPool(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue x = c.x();
        boolean last = WindowGeometry.CHANNELS_LAST.equals(c.attrs().getString("data_format"));
        Shape shape = x.type().shape();
        int[] spatial = WindowGeometry.spatial(shape, last, IrException::new);
        int[] window = Pooling.window(c.attrs(), spatial.length, IrException::new);
        WindowGeometry g = WindowGeometry.of(c.attrs(), spatial, window, IrException::new);
        Dim channels = shape.dim(g.channelAxis());
        if (!channels.isStatic()) {
            throw new IrException("avg_pool: its gradient needs a static channel dim, got " + x.type());
        }
        OpValue scaled = b.div(c.g(), c.attrs().getBool("count_include_pad")
                ? b.scalar(x, g.windowSize()) : b.constant(tapCounts(g, x.type().dtype())));
        List<Dim> filterDims = new ArrayList<>();
        for (int k : window) {
            filterDims.add(Dim.of(k));
        }
        filterDims.add(Dim.of(1));
        filterDims.add(channels);
        OpValue ones = b.one(Op.FILL, Attributes.builder().put("shape", Shape.of(filterDims)).build(), b.scalar(x, 1));
        return List.of(transposedConv(b, scaled, ones, g, channels.size()));
    }

    /** Per output point, the taps of its window inside the input, shaped to broadcast over an activation. */
    private static HostTensor tapCounts(WindowGeometry g, DType dtype) {
        int[] counts = g.insideTaps();
        HostTensor.Writer w = HostTensor.writer(dtype, WindowGeometry.activation(Dim.of(1), g.output(), Dim.of(1),
                g.channelsLast()).sizes());
        for (int i = 0; i < counts.length; i++) {
            w.setDouble(i, counts[i]);
        }
        return w.build();
    }

    /**
     * conv's input gradient: {@code dy} through conv_transpose with conv's window, its output padding
     * restoring the input's size where the stride left trailing elements unread.
     */
    private static OpValue transposedConv(OpBuilder b, OpValue dy, OpValue w, WindowGeometry g, int groups) {
        long[] outputPadding = new long[g.rank()];
        for (int i = 0; i < g.rank(); i++) {
            outputPadding[i] = g.input()[i] - ((long) (g.output()[i] - 1) * g.strides()[i] + g.extent(i)
                    - g.padLo()[i] - g.padHi()[i]);
        }
        return b.one(Op.CONV_TRANSPOSE, g.toAttributes().putInts("output_padding", outputPadding)
                .put("groups", groups).build(), dy, w);
    }

    /**
     * conv's filter gradient, dw[k, c, m] = sum over n and o of x[n, o * s + k * d - lo, c] * dy[n, o, m]:
     * itself a conv, of x with batch and channels swapped by dy seen as a filter (dy's spatial dims
     * its taps, the batch its input channels), stride and dilation trading places. With groups,
     * one such conv per group.
     */
    private static OpValue filterGradient(OpBuilder b, OpValue x, OpValue dy, WindowGeometry g, int groups) {
        if (groups > 1) {
            int channelAxis = g.channelAxis();
            int groupIn = x.type().shape().dim(channelAxis).size() / groups;
            int groupOut = dy.type().shape().dim(channelAxis).size() / groups;
            List<OpValue> parts = new ArrayList<>();
            for (int i = 0; i < groups; i++) {
                parts.add(filterGradient(b, Gradients.sliceAlong(b, x, channelAxis, (long) i * groupIn, (long) (i + 1) * groupIn),
                        Gradients.sliceAlong(b, dy, channelAxis, (long) i * groupOut, (long) (i + 1) * groupOut), g, 1));
            }
            return b.one(Op.CONCAT, Attributes.builder().put("axis", (long) g.rank() + 1).build(), parts.toArray(OpValue[]::new));
        }
        int rank = g.rank();
        int[] spatialAxes = new int[rank];
        for (int i = 0; i < rank; i++) {
            spatialAxes[i] = g.spatialAxis(i);
        }
        // x as [channels, spatial..., batch]; dy as [spatial..., batch, out channels].
        OpValue image = transpose(b, x, concat(new int[] {g.channelAxis()}, spatialAxes, new int[] {0}));
        OpValue filter = transpose(b, dy, concat(spatialAxes, new int[] {0}, new int[] {g.channelAxis()}));
        long[] pads = new long[2 * rank];
        long[] crop = new long[rank];
        for (int i = 0; i < rank; i++) {
            // The padding after the input that makes the result exactly the window's size; a
            // negative one (input the stride never reached) crops instead.
            long hi = (long) g.dilations()[i] * (g.window()[i] - 1) + (long) g.strides()[i] * (g.output()[i] - 1) + 1
                    - g.input()[i] - g.padLo()[i];
            pads[2 * i] = g.padLo()[i];
            pads[2 * i + 1] = Math.max(hi, 0);
            crop[i] = Math.max(-hi, 0);
        }
        for (int i = 0; i < rank; i++) {
            if (crop[i] > 0) {
                image = Gradients.sliceAlong(b, image, 1 + i, 0, g.input()[i] - crop[i]);
            }
        }
        OpValue dw = b.one(Op.CONV, Attributes.builder().putInts("strides", longs(g.dilations()))
                .putInts("dilations", longs(g.strides())).putInts("pads", pads).build(), image, filter);
        // [channels, window..., out channels] to [window..., channels, out channels]
        int[] perm = new int[rank + 2];
        for (int i = 0; i < rank; i++) {
            perm[i] = 1 + i;
        }
        perm[rank + 1] = rank + 1;
        return transpose(b, dw, perm);
    }

    private static WindowGeometry geometry(Attributes a, OpValue x, OpValue w, boolean transposed) {
        boolean last = WindowGeometry.CHANNELS_LAST.equals(a.getString("data_format"));
        int[] spatial = WindowGeometry.spatial(x.type().shape(), last, IrException::new);
        int[] window = sizes(w.type().shape().dims().subList(0, w.type().rank() - 2));
        return transposed ? WindowGeometry.transposed(a, spatial, window, IrException::new)
                : WindowGeometry.of(a, spatial, window, IrException::new);
    }

    private static int[] sizes(List<Dim> dims) {
        return dims.stream().mapToInt(Dim::size).toArray();
    }

    private static OpValue transpose(OpBuilder b, OpValue v, int[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return b.one(Op.TRANSPOSE, Attributes.builder().putInts("perm", longs(perm)).build(), v);
            }
        }
        return v;
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

}
