package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.Attr;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ONNX's linear algebra, reductions, normalization, softmax, convolution and pooling. */
final class NetworkImports {
    private NetworkImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("MatMul", c -> matmul(c, c.in(0), c.in(1)));
        r.op("Gemm", NetworkImports::gemm);
        r.op("Softmax", c -> softmax(c, Op.SOFTMAX));
        r.op("LogSoftmax", c -> softmax(c, Op.LOG_SOFTMAX));
        reduction(r, "ReduceSum", 13, (c, x, axes, keep) -> c.reduce(Op.REDUCE_SUM, x, axes, keep));
        reduction(r, "ReduceMean", 18, (c, x, axes, keep) -> c.reduce(Op.REDUCE_MEAN, x, axes, keep));
        // On bools the largest is "any" and the smallest "all".
        reduction(r, "ReduceMax", 18, (c, x, axes, keep) ->
                c.reduce(x.type.dtype() == DType.BOOL ? Op.REDUCE_ANY : Op.REDUCE_MAX, x, axes, keep));
        reduction(r, "ReduceMin", 18, (c, x, axes, keep) ->
                c.reduce(x.type.dtype() == DType.BOOL ? Op.REDUCE_ALL : Op.REDUCE_MIN, x, axes, keep));
        reduction(r, "ReduceProd", 18, (c, x, axes, keep) -> c.reduce(Op.REDUCE_PROD, x, axes, keep));
        reduction(r, "ReduceL1", 18, (c, x, axes, keep) -> c.reduce(Op.REDUCE_SUM, c.emit(Op.ABS, x), axes, keep));
        reduction(r, "ReduceSumSquare", 18, (c, x, axes, keep) ->
                c.reduce(Op.REDUCE_SUM, c.emit(Op.MUL, x, x), axes, keep));
        reduction(r, "ReduceL2", 18, (c, x, axes, keep) ->
                c.emit(Op.SQRT, c.reduce(Op.REDUCE_SUM, c.emit(Op.MUL, x, x), axes, keep)));
        reduction(r, "ReduceLogSum", 18, (c, x, axes, keep) -> c.emit(Op.LOG, c.reduce(Op.REDUCE_SUM, x, axes, keep)));
        reduction(r, "ReduceLogSumExp", 18, NetworkImports::logSumExp);
        r.op("ArgMax", c -> argExtreme(c, Op.ARGMAX));
        r.op("ArgMin", c -> argExtreme(c, Op.ARGMIN));
        r.op("BatchNormalization", NetworkImports::batchNorm);
        r.ops("LayerNormalization", NetworkImports::layerNorm);
        r.op("InstanceNormalization", NetworkImports::instanceNorm);
        r.op("GroupNormalization", NetworkImports::groupNorm);
        r.op("MeanVarianceNormalization", NetworkImports::meanVarianceNorm);
        r.op("RMSNormalization", NetworkImports::rmsNorm);
        r.op("LpNormalization", NetworkImports::lpNorm);
        r.op("LpPool", NetworkImports::lpPool);
        r.op("Hardmax", NetworkImports::hardmax);
        r.op("LRN", NetworkImports::localResponseNorm);
        r.op("Conv", c -> convolution(c, Op.CONV));
        r.op("ConvTranspose", c -> convolution(c, Op.CONV_TRANSPOSE));
        r.ops("MaxPool", NetworkImports::maxPool);
        r.op("AveragePool", c -> pool(c, Op.AVG_POOL));
        r.op("GlobalAveragePool", c -> c.reduce(Op.REDUCE_MEAN, c.in(0), spatialAxes(c.in(0)), true));
        r.op("GlobalMaxPool", c -> c.reduce(Op.REDUCE_MAX, c.in(0), spatialAxes(c.in(0)), true));
        r.op("Einsum", Einsum::lower);
    }

    /** numpy's matmul: a 1-D operand gains a unit dim that the result then drops. */
    static Operand matmul(ImportContext c, Operand a, Operand b) {
        boolean vectorA = a.rank() == 1;
        boolean vectorB = b.rank() == 1;
        Operand x = vectorA ? c.expandDims(a, 0) : a;
        Operand y = vectorB ? c.expandDims(b, 1) : b;
        Operand p = c.emit(Op.MATMUL, x, y);
        if (vectorB) {
            p = c.squeeze(p, p.rank() - 1);
        }
        return vectorA ? c.squeeze(p, p.rank() - (vectorB ? 1 : 2)) : p;
    }

    private static Operand gemm(ImportContext c) {
        Operand a = c.in(0);
        Operand b = c.in(1);
        DType t = a.type.dtype();
        Operand p = c.emit(Op.MATMUL, attrs().put("transpose_a", c.attrInt("transA", 0) != 0)
                .put("transpose_b", c.attrInt("transB", 0) != 0).build(), a, b);
        double alpha = c.attrFloat("alpha", 1);
        if (alpha != 1) {
            p = c.emit(Op.MUL, p, c.scalar(t, alpha));
        }
        if (!c.has(2)) {
            return p;
        }
        double beta = c.attrFloat("beta", 1);
        Operand bias = beta == 1 ? c.in(2) : c.emit(Op.MUL, c.in(2), c.scalar(t, beta));
        return c.emit(Op.ADD, p, bias);
    }

    /** Before opset 13 softmax treats the input as 2-D, flattened at axis (default 1); from 13 it is one axis (default -1). */
    private static Operand softmax(ImportContext c, Op op) {
        Operand x = c.in(0);
        int rank = x.rank();
        if (c.opset() >= 13) {
            return c.emit(op, attrs().put("axis", c.normalizeAxis(c.attrInt("axis", -1), rank)).build(), x);
        }
        int axis = c.normalizeAxis(c.attrInt("axis", 1), rank);
        if (axis == rank - 1) {
            return c.emit(op, attrs().put("axis", axis).build(), x);
        }
        List<Dim> rows = x.shape().dims().subList(0, axis);
        List<Dim> flat = new ArrayList<>(rows);
        flat.add(Dim.of(1));
        Operand matrix = c.emit(Op.RESHAPE, attrs().put("shape", new Attr.ShapeAttr(flat, List.of(axis))).build(), x);
        Operand y = c.emit(op, attrs().put("axis", axis).build(), matrix);
        return c.emit(Op.RESHAPE, attrs().put("shape", x.shape()).build(), y);
    }

    interface Reduce {
        Operand apply(ImportContext c, Operand x, long[] axes, boolean keepdims);
    }

    /** Axes are an attribute before {@code axesInputSince} and input 1 from it; empty axes reduce everything or nothing. */
    private static void reduction(OnnxOps.Registry r, String type, int axesInputSince, Reduce reduce) {
        r.op(type, c -> {
            Operand x = c.in(0);
            long[] axes = c.opset() < axesInputSince ? c.attrInts("axes") : c.has(1) ? c.knownInts(1) : null;
            boolean keepdims = c.attrInt("keepdims", 1) != 0;
            if (axes == null || axes.length == 0) {
                if (c.attrInt("noop_with_empty_axes", 0) != 0) {
                    return x;
                }
                axes = new long[x.rank()];
                Arrays.setAll(axes, i -> i);
            }
            return reduce.apply(c, x, axes, keepdims);
        }, 1);
    }

    /** log(sum(exp(x))) as m + log(sum(exp(x - m))) with m the finite max, so large inputs do not overflow. */
    private static Operand logSumExp(ImportContext c, Operand x, long[] axes, boolean keepdims) {
        DType t = x.type.dtype();
        Operand max = c.reduce(Op.REDUCE_MAX, x, axes, true);
        Operand shift = c.emit(Op.SELECT, c.emit(Op.IS_FINITE, max), max, c.scalar(t, 0));
        Operand sum = c.reduce(Op.REDUCE_SUM, c.emit(Op.EXP, c.emit(Op.SUB, x, shift)), axes, keepdims);
        Operand m = keepdims ? shift : c.squeeze(shift, axes);
        return c.emit(Op.ADD, c.emit(Op.LOG, sum), m);
    }

    /** ArgMax/ArgMin: select_last_index searches the reversed axis. */
    private static Operand argExtreme(ImportContext c, Op op) {
        Operand x = c.in(0);
        int axis = c.normalizeAxis(c.attrInt("axis", 0), x.rank());
        boolean last = c.attrInt("select_last_index", 0) != 0;
        Operand source = last ? reverse(c, x, axis) : x;
        Operand index = c.emit(op, attrs().put("axis", axis).put("output_type", DType.INT64).build(), source);
        if (last) {
            index = c.emit(Op.SUB, c.scalar(DType.INT64, c.staticDim(x, axis) - 1), index);
        }
        return c.attrInt("keepdims", 1) != 0 ? c.expandDims(index, axis) : index;
    }

    private static Operand reverse(ImportContext c, Operand x, int axis) {
        int rank = x.rank();
        long[] zeros = new long[rank];
        long[] strides = new long[rank];
        Arrays.fill(strides, 1);
        strides[axis] = -1;
        long all = (1L << rank) - 1;
        return c.emit(Op.SLICE, attrs().putInts("begin", zeros).putInts("end", zeros).putInts("strides", strides)
                .put("begin_mask", all).put("end_mask", all).build(), x);
    }

    private static Operand batchNorm(ImportContext c) {
        if (c.attrInt("training_mode", 0) != 0 || c.wantsOutput(1)) {
            throw c.error("training mode is not supported: import is for inference");
        }
        return c.emit(Op.BATCH_NORM, attrs().put("axis", 1).put("epsilon", c.attrFloat("epsilon", 1e-5)).build(),
                c.in(0), c.in(1), c.in(2), c.in(3), c.in(4));
    }

    /** LayerNormalization; its optional Mean and InvStdDev outputs are computed from the same moments. */
    private static List<Operand> layerNorm(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", -1), rank);
        double epsilon = c.attrFloat("epsilon", 1e-5);
        DType t = x.type.dtype();
        Shape normalized = Shape.of(x.shape().dims().subList(axis, rank));
        Operand scale = broadcastTo(c, c.in(1), normalized);
        Operand offset = c.has(2) ? broadcastTo(c, c.in(2), normalized) : c.emit(Op.FILL,
                attrs().put("shape", normalized).build(), c.scalar(t, 0));
        if (!c.wantsOutput(1) && !c.wantsOutput(2)) {
            return List.of(c.emit(Op.LAYER_NORM, attrs().put("axis", axis).put("epsilon", epsilon).build(), x, scale,
                    offset));
        }
        long[] axes = new long[rank - axis];
        Arrays.setAll(axes, i -> axis + i);
        Operand mean = c.reduce(Op.REDUCE_MEAN, x, axes, true);
        Operand centered = c.emit(Op.SUB, x, mean);
        Operand variance = c.reduce(Op.REDUCE_MEAN, c.emit(Op.MUL, centered, centered), axes, true);
        Operand invStdDev = c.emit(Op.RSQRT, c.emit(Op.ADD, variance, c.scalar(t, epsilon)));
        Operand y = c.emit(Op.ADD, c.emit(Op.MUL, c.emit(Op.MUL, centered, invStdDev), scale), offset);
        return List.of(y, mean, invStdDev);
    }

    /**
     * RMSNormalization (opset 23): x / sqrt(mean(x^2) + epsilon) over the axes from axis on, times
     * scale (in scale's dtype). Every op rounds once from float64, so stash_type's float32 is met.
     */
    private static Operand rmsNorm(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", -1), rank);
        long[] axes = new long[rank - axis];
        Arrays.setAll(axes, i -> axis + i);
        Operand meanSquare = c.reduce(Op.REDUCE_MEAN, c.emit(Op.MUL, x, x), axes, true);
        Operand rms = c.emit(Op.SQRT, c.emit(Op.ADD, meanSquare, c.scalar(x.type.dtype(), c.attrFloat("epsilon", 1e-5))));
        Operand scale = c.in(1);
        return c.emit(Op.MUL, c.cast(c.emit(Op.DIV, x, rms), scale.type.dtype()), scale);
    }

    /** Each sample's channel normalized over its spatial positions, then scaled and shifted per channel. */
    private static Operand instanceNorm(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        long[] axes = spatialAxes(x);
        Operand mean = c.reduce(Op.REDUCE_MEAN, x, axes, true);
        Operand centered = c.emit(Op.SUB, x, mean);
        Operand variance = c.reduce(Op.REDUCE_MEAN, c.emit(Op.MUL, centered, centered), axes, true);
        Operand normalized = c.emit(Op.MUL, centered, c.emit(Op.RSQRT,
                c.emit(Op.ADD, variance, c.scalar(t, c.attrFloat("epsilon", 1e-5)))));
        return c.emit(Op.ADD, c.emit(Op.MUL, normalized, perChannel(c, c.in(1), x)), perChannel(c, c.in(2), x));
    }

    /**
     * GroupNormalization: each image's channels in num_groups groups, each group normalized over
     * its channels and spatial dims; then scaled and shifted per channel (opset 21), or per group
     * (opsets 18 to 20).
     */
    private static Operand groupNorm(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        int channels = c.staticDim(x, 1);
        long groups = c.attrInt("num_groups", 0);
        if (groups < 1 || channels % groups != 0) {
            throw c.error("num_groups must divide the " + channels + " channels, got " + groups);
        }
        long perGroup = channels / groups;
        for (int d = 2; d < x.rank(); d++) {
            perGroup *= c.staticDim(x, d);
        }
        Shape grouped = Shape.of(List.of(x.shape().dim(0), Dim.of((int) groups), Dim.of(Math.toIntExact(perGroup))));
        Operand g = c.emit(Op.RESHAPE, attrs().put("shape", grouped).build(), x);
        Operand mean = c.reduce(Op.REDUCE_MEAN, g, new long[] {2}, true);
        Operand centered = c.emit(Op.SUB, g, mean);
        Operand variance = c.reduce(Op.REDUCE_MEAN, c.emit(Op.MUL, centered, centered), new long[] {2}, true);
        Operand normalized = c.emit(Op.MUL, centered, c.emit(Op.RSQRT,
                c.emit(Op.ADD, variance, c.scalar(t, c.attrFloat("epsilon", 1e-5)))));
        if (c.opset() < 21) {
            Shape perGroupShape = Shape.of((int) groups, 1);
            Operand scale = c.emit(Op.RESHAPE, attrs().put("shape", perGroupShape).build(), c.in(1));
            Operand bias = c.emit(Op.RESHAPE, attrs().put("shape", perGroupShape).build(), c.in(2));
            normalized = c.emit(Op.ADD, c.emit(Op.MUL, normalized, scale), bias);
            return c.emit(Op.RESHAPE, attrs().put("shape", x.shape()).build(), normalized);
        }
        Operand back = c.emit(Op.RESHAPE, attrs().put("shape", x.shape()).build(), normalized);
        return c.emit(Op.ADD, c.emit(Op.MUL, back, perChannel(c, c.in(1), x)), perChannel(c, c.in(2), x));
    }

    /** MeanVarianceNormalization: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over the axes (0, 2, 3 by default). */
    private static Operand meanVarianceNorm(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        long[] axes = c.attrInts("axes");
        axes = axes == null ? new long[] {0, 2, 3} : axes;
        Operand mean = c.reduce(Op.REDUCE_MEAN, x, axes, true);
        Operand meanOfSquares = c.reduce(Op.REDUCE_MEAN, c.emit(Op.MUL, x, x), axes, true);
        Operand deviation = c.emit(Op.SQRT, c.emit(Op.SUB, meanOfSquares, c.emit(Op.MUL, mean, mean)));
        return c.emit(Op.DIV, c.emit(Op.SUB, x, mean), c.emit(Op.ADD, deviation, c.scalar(t, 1e-9)));
    }

    /** LpNormalization: x divided by its L1 or L2 norm along the axis (-1 by default); 0 where the norm is 0. */
    private static Operand lpNorm(ImportContext c) {
        Operand x = c.in(0);
        long[] axis = {c.normalizeAxis(c.attrInt("axis", -1), x.rank())};
        long p = c.attrInt("p", 2);
        Operand norm = switch ((int) p) {
            case 1 -> c.reduce(Op.REDUCE_SUM, c.emit(Op.ABS, x), axis, true);
            case 2 -> c.emit(Op.SQRT, c.reduce(Op.REDUCE_SUM, c.emit(Op.MUL, x, x), axis, true));
            default -> throw c.error("p must be 1 or 2, got " + p);
        };
        // A zero vector stays zero, not 0 / 0.
        Operand zero = c.scalar(x.type.dtype(), 0);
        return c.emit(Op.SELECT, c.emit(Op.EQUAL, norm, zero), zero, c.emit(Op.DIV, x, norm));
    }

    /**
     * LpPool: each window's (sum of |x|^p)^(1/p), its sum an average pool that counts every tap
     * (padding adds 0) times the window's taps.
     */
    private static Operand lpPool(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        long p = c.positiveAttr("p", 2, "at least 1");
        Operand powers = p == 2 ? c.emit(Op.MUL, x, x) : c.emit(Op.POW, c.emit(Op.ABS, x), c.scalar(t, p));
        long taps = Arrays.stream(window(c)).asLongStream().reduce(1, (a, b) -> a * b);
        Operand mean = c.emit(Op.AVG_POOL, poolAttrs(c).put("count_include_pad", true).build(), channelsLast(c, powers));
        Operand sums = c.emit(Op.MUL, channelsFirst(c, mean), c.scalar(t, taps));
        return p == 2 ? c.emit(Op.SQRT, sums) : c.emit(Op.POW, sums, c.scalar(t, 1.0 / p));
    }

    /**
     * Hardmax: 1 at the first largest value along the axis, 0 elsewhere; before opset 13 along
     * the input flattened to 2-D at the axis (1 by default), from 13 along the axis (-1 by default).
     */
    private static Operand hardmax(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        if (c.opset() >= 13) {
            int axis = c.normalizeAxis(c.attrInt("axis", -1), rank);
            Operand index = c.emit(Op.ARGMAX, attrs().put("axis", axis).put("output_type", DType.INT64).build(), x);
            return c.emit(Op.ONE_HOT, attrs().put("depth", c.staticDim(x, axis)).put("axis", axis)
                    .put("dtype", x.type.dtype()).build(), index);
        }
        int axis = c.normalizeAxis(c.attrInt("axis", 1), rank);
        int outer = 1;
        int inner = 1;
        for (int d = 0; d < rank; d++) {
            if (d < axis) {
                outer *= c.staticDim(x, d);
            } else {
                inner *= c.staticDim(x, d);
            }
        }
        Operand flat = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(outer, inner)).build(), x);
        Operand index = c.emit(Op.ARGMAX, attrs().put("axis", 1).put("output_type", DType.INT64).build(), flat);
        Operand hot = c.emit(Op.ONE_HOT, attrs().put("depth", inner).put("axis", 1).put("dtype", x.type.dtype())
                .build(), index);
        return c.emit(Op.RESHAPE, attrs().put("shape", x.shape()).build(), hot);
    }

    /** A [C] vector shaped [C, 1, ...] to broadcast along an NC... tensor's channels. */
    private static Operand perChannel(ImportContext c, Operand v, Operand x) {
        List<Dim> dims = new ArrayList<>(List.of(v.shape().dim(0)));
        for (int i = 2; i < x.rank(); i++) {
            dims.add(Dim.of(1));
        }
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), v);
    }

    /**
     * LRN: x / (bias + alpha / size * s)^beta, where s sums the squares over the {@code size}
     * channels around each one (floor((size-1)/2) before, ceil((size-1)/2) after, within the input),
     * as the sum of shifted slices of the zero-padded squares.
     */
    private static Operand localResponseNorm(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        long size = c.positiveAttr("size", 0, "a positive channel count");
        int channels = c.staticDim(x, 1);
        long before = (size - 1) / 2;
        long[] paddings = new long[2 * x.rank()];
        paddings[2] = before;
        paddings[3] = size - 1 - before;
        Operand squares = c.emit(Op.PAD, attrs().putInts("paddings", paddings).build(), c.emit(Op.MUL, x, x));
        Operand sum = null;
        for (long k = 0; k < size; k++) {
            Operand shifted = c.sliceAxis(squares, 1, k, k + channels, 1);
            sum = sum == null ? shifted : c.emit(Op.ADD, sum, shifted);
        }
        Operand base = c.emit(Op.ADD, c.scalar(t, c.attrFloat("bias", 1)),
                c.emit(Op.MUL, c.scalar(t, c.attrFloat("alpha", 1e-4) / size), sum));
        return c.emit(Op.DIV, x, c.emit(Op.POW, base, c.scalar(t, c.attrFloat("beta", 0.75))));
    }

    private static Operand broadcastTo(ImportContext c, Operand x, Shape shape) {
        return x.shape().equals(shape) ? x : c.emit(Op.BROADCAST_TO, attrs().put("shape", shape).build(), x);
    }

    private static long[] spatialAxes(Operand x) {
        long[] axes = new long[x.rank() - 2];
        Arrays.setAll(axes, i -> i + 2);
        return axes;
    }

    /**
     * Conv and ConvTranspose on NCHW: weights [a, b, k...] become [k..., b, a] (Conv's [M, C/g, k]
     * and ConvTranspose's [C, M/g, k] alike); a bias [M] is added along the channels.
     */
    private static Operand convolution(ImportContext c, Op op) {
        Operand x = c.in(0);
        Operand w = c.in(1);
        int spatial = x.rank() - 2;
        long[] perm = new long[spatial + 2];
        for (int i = 0; i < spatial; i++) {
            perm[i] = i + 2;
        }
        perm[spatial] = 1;
        perm[spatial + 1] = 0;
        int[] window = new int[spatial];
        for (int i = 0; i < spatial; i++) {
            window[i] = c.staticDim(w, i + 2);
        }
        var a = windowAttrs(c, x, window).put("groups", c.attrInt("group", 1));
        if (op == Op.CONV_TRANSPOSE) {
            long[] outputPadding = orZeros(c.attrInts("output_padding"), spatial);
            long[] outputShape = c.attrInts("output_shape");
            if (outputShape != null || c.attrString("auto_pad", "NOTSET").startsWith("SAME")) {
                a.putInts("pads", transposePads(c, x, window, outputShape, outputPadding));
            }
            a.putInts("output_padding", outputPadding);
        }
        Operand y = c.emit(op, a.build(), channelsLast(c, x), c.transpose(w, perm));
        if (c.has(2)) {
            y = c.emit(Op.ADD, y, c.in(2));
        }
        return channelsFirst(c, y);
    }

    /**
     * ConvTranspose's pads where output_shape (or auto_pad SAME's input x stride) sets the size: the
     * natural size's excess over it, split as ONNX says (SAME_UPPER's odd one at the end, otherwise at
     * the start); a size beyond the natural one grows {@code outputPadding} at the end instead.
     */
    private static long[] transposePads(ImportContext c, Operand x, int[] window, long[] outputShape,
                                        long[] outputPadding) {
        int spatial = window.length;
        long[] strides = orOnes(c.attrInts("strides"), spatial);
        long[] dilations = orOnes(c.attrInts("dilations"), spatial);
        boolean upper = c.attrString("auto_pad", "NOTSET").equals("SAME_UPPER");
        if (outputShape != null && outputShape.length != spatial && outputShape.length != spatial + 2) {
            throw c.error("output_shape must give the " + spatial + " spatial sizes, got " + Arrays.toString(outputShape));
        }
        long[] pads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            int in = c.staticDim(x, i + 2);
            long out = outputShape == null ? in * strides[i] : outputShape[outputShape.length - spatial + i];
            long total = strides[i] * (in - 1) + outputPadding[i] + (window[i] - 1) * dilations[i] + 1 - out;
            long lo = upper ? Math.floorDiv(total, 2) : total - Math.floorDiv(total, 2);
            long hi = total - lo;
            if (lo < 0) {
                throw c.error("output size " + out + " along spatial dim " + i + " needs a negative start pad");
            }
            if (hi < 0) {
                outputPadding[i] -= hi;
                hi = 0;
            }
            pads[2 * i] = lo;
            pads[2 * i + 1] = hi;
        }
        return pads;
    }

    private static long[] orZeros(long[] values, int n) {
        return values == null ? new long[n] : values;
    }

    /*
     * Windowed ops run channels-last, where their kernels are fastest, between transposes that
     * simplify cancels from one windowed op to the next (sink-transpose, transpose-transpose).
     */
    private static Operand channelsLast(ImportContext c, Operand x) {
        int rank = x.rank();
        long[] perm = new long[rank];
        for (int i = 1; i < rank - 1; i++) {
            perm[i] = i + 1;
        }
        perm[rank - 1] = 1;
        return c.transpose(x, perm);
    }

    private static Operand channelsFirst(ImportContext c, Operand x) {
        int rank = x.rank();
        long[] perm = new long[rank];
        perm[1] = rank - 1;
        for (int i = 2; i < rank; i++) {
            perm[i] = i - 1;
        }
        return c.transpose(x, perm);
    }

    private static Operand pool(ImportContext c, Op op) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        // Pooling runs on floats; integers pool exactly in float64 (max pooling only picks values).
        Operand input = channelsLast(c, t.isFloating() ? x : c.cast(x, DType.FLOAT64));
        var a = poolAttrs(c);
        if (op == Op.AVG_POOL) {
            boolean includePad = c.attrInt("count_include_pad", 0) != 0;
            int[] window = window(c);
            long[] pads = windowPads(c, x, window, c.attrInt("ceil_mode", 0) != 0);
            long[] explicit = windowPads(c, x, window, false);
            if (includePad && !Arrays.equals(pads, explicit)) {
                // ONNX counts the explicit pads' taps but not those of the end pad that ceil_mode
                // adds: the explicit pads become zeros of the input, and only taps inside it count.
                long[] paddings = new long[2 * x.rank()];
                System.arraycopy(explicit, 0, paddings, 2, explicit.length);
                input = c.emit(Op.PAD, attrs().putInts("paddings", paddings).build(), input);
                long[] added = new long[pads.length];
                for (int i = 1; i < pads.length; i += 2) {
                    added[i] = pads[i] - explicit[i];
                }
                a.putInts("pads", added);
                includePad = false;
            }
            a.put("count_include_pad", includePad);
        }
        Operand pooled = c.emit(op, a.build(), input);
        return c.cast(channelsFirst(c, pooled), t);
    }

    /** A pool's window: its kernel_shape. */
    private static int[] window(ImportContext c) {
        long[] kernel = c.attrInts("kernel_shape");
        if (kernel == null) {
            throw c.error("needs kernel_shape");
        }
        return Arrays.stream(kernel).mapToInt(Math::toIntExact).toArray();
    }

    /** A pool's window attributes, run channels-last, from kernel_shape and the window attributes. */
    private static io.jitflow.ir.Attributes.Builder poolAttrs(ImportContext c) {
        int[] window = window(c);
        return windowAttrs(c, c.in(0), window).putInts("window", Arrays.stream(window).asLongStream().toArray());
    }

    /** MaxPool: the pooled values, and where the Indices output is wanted, {@link #poolIndices}. */
    private static List<Operand> maxPool(ImportContext c) {
        Operand pooled = pool(c, Op.MAX_POOL);
        return c.wantsOutput(1) ? List.of(pooled, poolIndices(c)) : List.of(pooled);
    }

    /**
     * MaxPool's Indices: each window's first largest element (padding left out), as its position
     * in x flattened, int64: row-major, or with storage_order 1 the spatial dims column-major
     * within each image's channel. That is max_pool_select of x and of a tensor holding each
     * element's own position, in float64, where positions are exact up to 2^53.
     */
    private static Operand poolIndices(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int[] dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = c.staticDim(x, d);
            count *= dims[d];
        }
        boolean columnMajor = c.attrInt("storage_order", 0) != 0;
        // Positions counted over [N, C, spatial dims] (reversed when column-major), then laid out as x.
        int[] counted = dims.clone();
        long[] perm = new long[rank];
        for (int d = 0; d < rank; d++) {
            counted[d] = columnMajor && d >= 2 ? dims[rank + 1 - d] : dims[d];
            perm[d] = columnMajor && d >= 2 ? rank + 1 - d : d;
        }
        Operand positions = c.emit(Op.RANGE, attrs().put("limit", (double) count).put("dtype", DType.FLOAT64).build());
        positions = c.transpose(c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(counted)).build(), positions), perm);
        Operand selected = c.emit(Op.MAX_POOL_SELECT, poolAttrs(c).build(), channelsLast(c, c.cast(x, DType.FLOAT64)),
                channelsLast(c, positions));
        return c.cast(channelsFirst(c, selected), DType.INT64);
    }

    /**
     * strides, dilations and pads of an NCHW input, for the op run channels-last (see {@link
     * #windowPads}).
     */
    private static io.jitflow.ir.Attributes.Builder windowAttrs(ImportContext c, Operand x, int[] window) {
        int spatial = window.length;
        if (x.rank() != spatial + 2) {
            throw c.error("input " + x.type + " must have rank " + (spatial + 2) + " for a " + spatial + "-D window");
        }
        return attrs().putInts("strides", orOnes(c.attrInts("strides"), spatial))
                .putInts("dilations", orOnes(c.attrInts("dilations"), spatial))
                .putInts("pads", windowPads(c, x, window, c.attrInt("ceil_mode", 0) != 0))
                .put("data_format", WindowGeometry.CHANNELS_LAST);
    }

    /**
     * A window's pads along each spatial dim of an NCHW input: ONNX's pads [b0, b1, ..., e0, e1,
     * ...] become [b0, e0, b1, e1, ...]; auto_pad SAME_UPPER/SAME_LOWER put the odd pad at the end or
     * start; with {@code ceil}, the end pad grows so that the last partial window counts.
     */
    private static long[] windowPads(ImportContext c, Operand x, int[] window, boolean ceil) {
        int spatial = window.length;
        long[] strides = orOnes(c.attrInts("strides"), spatial);
        long[] dilations = orOnes(c.attrInts("dilations"), spatial);
        long[] given = c.attrInts("pads");
        String autoPad = c.attrString("auto_pad", "NOTSET");
        long[] pads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            int in = c.staticDim(x, i + 2);
            long extent = dilations[i] * (window[i] - 1) + 1;
            long lo;
            long hi;
            switch (autoPad) {
                case "NOTSET" -> {
                    lo = given == null ? 0 : given[i];
                    hi = given == null ? 0 : given[i + spatial];
                }
                case "VALID" -> {
                    lo = 0;
                    hi = 0;
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    long out = (in + strides[i] - 1) / strides[i];
                    long total = Math.max(0, (out - 1) * strides[i] + extent - in);
                    long small = total / 2;
                    lo = autoPad.equals("SAME_UPPER") ? small : total - small;
                    hi = total - lo;
                }
                default -> throw c.error("auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, got " + autoPad);
            }
            if (ceil) {
                long span = in + lo + hi - extent;
                long out = Math.floorDiv(span + strides[i] - 1, strides[i]) + 1;
                if ((out - 1) * strides[i] >= in + lo) {
                    out--; // the last window would start in the end padding
                }
                hi = Math.max(hi, (out - 1) * strides[i] + extent - in - lo);
            }
            pads[2 * i] = lo;
            pads[2 * i + 1] = hi;
        }
        return pads;
    }

    static long[] orOnes(long[] values, int n) {
        if (values != null) {
            return values;
        }
        long[] ones = new long[n];
        Arrays.fill(ones, 1);
        return ones;
    }
}
