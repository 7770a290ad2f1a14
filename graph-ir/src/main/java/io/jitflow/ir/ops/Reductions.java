package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reductions over a set of axes ({@code axes} absent means all), optionally keeping reduced dims as
 * size 1. Float sums accumulate in double; integer sums wrap like the dtype. Empty reductions give
 * the identity: 0 for sum, 1 for prod, -inf (or the dtype's minimum) for max, and so on.
 */
public final class Reductions {
    private Reductions() {
    }

    /** How values fold: separately for floats and integers, with their identities. */
    private interface Fold {
        double floatIdentity();

        long intIdentity();

        double fold(double acc, double x);

        long fold(long acc, long x);
    }

    private static Fold fold(double floatIdentity, long intIdentity, Elementwise.FloatBinary f,
                             java.util.function.LongBinaryOperator g) {
        return new Fold() {
            public double floatIdentity() {
                return floatIdentity;
            }

            public long intIdentity() {
                return intIdentity;
            }

            public double fold(double acc, double x) {
                return f.apply(acc, x);
            }

            public long fold(long acc, long x) {
                return g.applyAsLong(acc, x);
            }
        };
    }

    public static OpDef sum() {
        return numeric(fold(0, 0, (a, b) -> a + b, Long::sum), false);
    }

    /** The mean; on integers the sum divided by the count, truncating, as TensorFlow does. */
    public static OpDef mean() {
        return numeric(fold(0, 0, (a, b) -> a + b, Long::sum), true);
    }

    public static OpDef prod() {
        return numeric(fold(1, 1, (a, b) -> a * b, (a, b) -> a * b), false);
    }

    /** max; NaN propagates. The identity of an integer dtype is its minimum, applied at store. */
    public static OpDef max() {
        return numeric(fold(Double.NEGATIVE_INFINITY, Long.MIN_VALUE, Math::max, Math::max), false);
    }

    public static OpDef min() {
        return numeric(fold(Double.POSITIVE_INFINITY, Long.MAX_VALUE, Math::min, Math::min), false);
    }

    public static OpDef any() {
        return bool(false);
    }

    public static OpDef all() {
        return bool(true);
    }

    private static OpDef.Builder axesOp() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.optional("axes", Attr.Kind.INTS))
                .attr(AttrSpec.withDefault("keepdims", new Attr.BoolAttr(false)));
    }

    private static OpDef numeric(Fold f, boolean mean) {
        return axesOp()
                .infer(c -> {
                    c.requireKind(0, DType.Kind.INTEGER, DType.Kind.FLOAT);
                    return List.of(c.operand(0).withShape(reducedShape(c)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    boolean[] reduced = reducedAxes(c, x.rank());
                    int[] outShape = outputShape(x.shape(), reduced, c.attrs().getBool("keepdims"));
                    int outCount = Shape.checkedElementCount(outShape);
                    int[] target = targets(x.shape(), reduced);
                    int perOutput = outCount == 0 ? 0 : x.size() / Math.max(outCount, 1);
                    HostTensor.Writer out = HostTensor.writer(x.dtype(), outShape);
                    if (x.dtype().isFloating()) {
                        double[] acc = new double[outCount];
                        Arrays.fill(acc, f.floatIdentity());
                        for (int i = 0; i < x.size(); i++) {
                            acc[target[i]] = f.fold(acc[target[i]], x.getDouble(i));
                        }
                        for (int o = 0; o < outCount; o++) {
                            out.setDouble(o, mean ? acc[o] / perOutput : acc[o]);
                        }
                    } else {
                        long[] acc = new long[outCount];
                        Arrays.fill(acc, integerIdentity(f, x.dtype()));
                        for (int i = 0; i < x.size(); i++) {
                            acc[target[i]] = f.fold(acc[target[i]], x.getLong(i));
                        }
                        for (int o = 0; o < outCount; o++) {
                            if (mean && perOutput == 0) {
                                throw c.error("mean of an empty integer tensor divides by zero");
                            }
                            out.setLong(o, mean ? acc[o] / perOutput : acc[o]);
                        }
                    }
                    return List.of(out.build());
                }).build();
    }

    /** The identity clamped to the dtype's range (so max of nothing in int32 is Integer.MIN_VALUE). */
    private static long integerIdentity(Fold f, DType dtype) {
        long identity = f.intIdentity();
        return switch (dtype) {
            case UINT8 -> Math.max(0, Math.min(255, identity));
            case INT32 -> Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, identity));
            default -> identity;
        };
    }

    private static OpDef bool(boolean all) {
        return axesOp()
                .infer(c -> {
                    c.requireKind(0, DType.Kind.BOOL);
                    return List.of(c.operand(0).withShape(reducedShape(c)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    boolean[] reduced = reducedAxes(c, x.rank());
                    int[] outShape = outputShape(x.shape(), reduced, c.attrs().getBool("keepdims"));
                    boolean[] acc = new boolean[Shape.checkedElementCount(outShape)];
                    Arrays.fill(acc, all);
                    int[] target = targets(x.shape(), reduced);
                    for (int i = 0; i < x.size(); i++) {
                        acc[target[i]] = all ? acc[target[i]] && x.getBool(i) : acc[target[i]] || x.getBool(i);
                    }
                    return List.of(HostTensor.wrap(DType.BOOL, outShape, acc));
                }).build();
    }

    /** argmax/argmin {axis, output_type}: the first extreme along the axis; a NaN wins. */
    public static OpDef argExtreme(boolean max) {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.withDefault("axis", new Attr.IntAttr(0)))
                .attr(AttrSpec.withDefault("output_type", new Attr.DTypeAttr(DType.INT64)))
                .infer(c -> {
                    c.requireKind(0, DType.Kind.INTEGER, DType.Kind.FLOAT);
                    DType outType = c.attrs().getDType("output_type");
                    if (outType != DType.INT32 && outType != DType.INT64) {
                        throw c.error("output_type must be int32 or int64, got " + outType);
                    }
                    if (c.operand(0).rank() == 0) {
                        throw c.error("operand must have rank >= 1, got " + c.operand(0));
                    }
                    int axis = c.axis(c.attrs().getInt("axis"), c.operand(0).rank());
                    return List.of(new TensorType(outType, c.operand(0).shape().dropAxis(axis)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), x.rank());
                    int[] shape = x.shape();
                    int n = shape[axis];
                    int inner = 1;
                    for (int d = axis + 1; d < shape.length; d++) {
                        inner *= shape[d];
                    }
                    int outer = n == 0 ? 0 : x.size() / (n * inner);
                    if (n == 0 && x.size() == 0 && Shape.checkedElementCount(Shape.of(shape).dropAxis(axis).sizes()) > 0) {
                        throw c.error("cannot take the arg" + (max ? "max" : "min") + " of an empty axis");
                    }
                    int[] outShape = Shape.of(shape).dropAxis(axis).sizes();
                    HostTensor.Writer out = HostTensor.writer(c.attrs().getDType("output_type"), outShape);
                    for (int o = 0; o < outer; o++) {
                        for (int in = 0; in < inner; in++) {
                            int best = 0;
                            for (int k = 1; k < n; k++) {
                                if (better(x, o * n * inner + k * inner + in, o * n * inner + best * inner + in, max)) {
                                    best = k;
                                }
                            }
                            out.setLong(o * inner + in, best);
                        }
                    }
                    return List.of(out.build());
                }).build();
    }

    private static boolean better(HostTensor x, int candidate, int best, boolean max) {
        if (x.dtype().isFloating()) {
            double a = x.getDouble(candidate);
            double b = x.getDouble(best);
            if (Double.isNaN(b)) {
                return false;
            }
            return Double.isNaN(a) || (max ? a > b : a < b);
        }
        long a = x.getLong(candidate);
        long b = x.getLong(best);
        return max ? a > b : a < b;
    }

    /** The inferred result shape of a reduction call. */
    private static Shape reducedShape(InferCall c) {
        Shape in = c.operand(0).shape();
        boolean[] reduced = new boolean[in.rank()];
        if (c.attrs().has("axes")) {
            for (long a : c.attrs().getInts("axes")) {
                int axis = c.axis(a, in.rank());
                if (reduced[axis]) {
                    throw c.error("axis " + a + " is listed twice in axes " + Arrays.toString(c.attrs().getInts("axes")));
                }
                reduced[axis] = true;
            }
        } else {
            Arrays.fill(reduced, true);
        }
        boolean keep = c.attrs().getBool("keepdims");
        List<Dim> dims = new ArrayList<>();
        for (int i = 0; i < in.rank(); i++) {
            if (!reduced[i]) {
                dims.add(in.dim(i));
            } else if (keep) {
                dims.add(Dim.of(1));
            }
        }
        return Shape.of(dims);
    }

    private static boolean[] reducedAxes(EvalCall c, int rank) {
        boolean[] reduced = new boolean[rank];
        if (c.attrs().has("axes")) {
            for (long a : c.attrs().getInts("axes")) {
                reduced[Shape.normalizeAxis(a, rank)] = true;
            }
        } else {
            Arrays.fill(reduced, true);
        }
        return reduced;
    }

    private static int[] outputShape(int[] shape, boolean[] reduced, boolean keep) {
        List<Integer> dims = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            if (!reduced[i]) {
                dims.add(shape[i]);
            } else if (keep) {
                dims.add(1);
            }
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    /** For each input element, the flat index of the output element it folds into. */
    private static int[] targets(int[] shape, boolean[] reduced) {
        int[] kept = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            kept[i] = reduced[i] ? 1 : shape[i];
        }
        int[] strides = Broadcasting.stridesFor(kept, shape);
        int count = Shape.checkedElementCount(shape);
        int[] target = new int[count];
        for (int i = 0; i < count; i++) {
            target[i] = Broadcasting.sourceIndex(i, shape, strides);
        }
        return target;
    }
}
