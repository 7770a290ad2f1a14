package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Dim;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.ops.ScalarMath;
import io.jitflow.ir.Shape;
import io.jitflow.ir.ops.Movement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The gradient rule of every op, in one switch with no default: adding an op without deciding its
 * gradient does not compile. Rules build their results with the {@link OpBuilder} they are given,
 * so gradients of gradients work. Ops whose result is piecewise constant or not a real number
 * (comparisons, rounding, argmax, integer ops) have {@link #NONE}: no gradient flows, as in TF.
 */
public final class Gradients {
    private Gradients() {
    }

    /** No gradient for any operand. */
    public static final GradientRule NONE = c -> nulls(c.inputs().size());

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    public static GradientRule rule(Op op) {
        return switch (op) {
            case CONSTANT, RANGE, RANDOM_UNIFORM, RANDOM_NORMAL, SIGN, FLOOR, CEIL, ROUND, LOGICAL_NOT, IS_NAN,
                 IS_FINITE, FLOOR_DIV, EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, LOGICAL_AND,
                 LOGICAL_OR, LOGICAL_XOR, REDUCE_ANY, REDUCE_ALL, ARGMAX, ARGMIN, ONE_HOT, READ_VARIABLE,
                 ASSIGN_VARIABLE -> NONE;
            case FILL -> c -> List.of(c.b().reduceSum(c.g(), allAxes(c.g()), false));
            case NEG -> c -> List.of(c.b().neg(c.g()));
            case ABS -> c -> List.of(c.b().mul(c.g(), c.b().one(Op.SIGN, c.x())));
            case EXP -> c -> List.of(c.b().mul(c.g(), c.y()));
            case EXPM1 -> c -> List.of(c.b().mul(c.g(), c.b().add(c.y(), c.b().scalar(c.y(), 1))));
            case LOG -> c -> List.of(c.b().div(c.g(), c.x()));
            case LOG1P -> c -> List.of(c.b().div(c.g(), c.b().add(c.x(), c.b().scalar(c.x(), 1))));
            case SQRT -> c -> List.of(c.b().div(c.g(), c.b().mul(c.y(), 2)));
            case RSQRT -> c -> List.of(c.b().mul(c.g(), c.b().mul(c.b().mul(c.y(), c.b().mul(c.y(), c.y())), -0.5)));
            case SQUARE -> c -> List.of(c.b().mul(c.g(), c.b().mul(c.x(), 2)));
            case RECIPROCAL -> c -> List.of(c.b().neg(c.b().mul(c.g(), c.b().mul(c.y(), c.y()))));
            case SIN -> c -> List.of(c.b().mul(c.g(), c.b().one(Op.COS, c.x())));
            case COS -> c -> List.of(c.b().neg(c.b().mul(c.g(), c.b().one(Op.SIN, c.x()))));
            case TANH -> c -> List.of(c.b().mul(c.g(), c.b().sub(c.b().scalar(c.y(), 1), c.b().mul(c.y(), c.y()))));
            case SIGMOID -> c -> List.of(c.b().mul(c.g(), c.b().mul(c.y(), c.b().sub(c.b().scalar(c.y(), 1), c.y()))));
            // From the output, as y > 0 exactly where x > 0 (NaN and -0 included): x is then dead after
            // the forward pass, and a matmul + bias + relu stays one kernel in a training step.
            case RELU -> c -> List.of(c.b().where(c.b().one(Op.GREATER, c.y(), c.b().scalar(c.y(), 0)), c.g()));
            case LEAKY_RELU -> c -> List.of(c.b().one(Op.SELECT, positive(c), c.g(),
                    c.b().mul(c.g(), c.attrs().getFloat("alpha"))));
            case ELU -> c -> List.of(c.b().one(Op.SELECT, positive(c), c.g(),
                    c.b().mul(c.g(), c.b().add(c.y(), c.b().scalar(c.y(), c.attrs().getFloat("alpha"))))));
            case SELU -> c -> List.of(c.b().one(Op.SELECT, positive(c), c.b().mul(c.g(), ScalarMath.SELU_SCALE),
                    c.b().mul(c.g(), c.b().add(c.y(), c.b().scalar(c.y(), ScalarMath.SELU_SCALE * ScalarMath.SELU_ALPHA)))));
            case SOFTPLUS -> c -> List.of(c.b().mul(c.g(), c.b().one(Op.SIGMOID, c.x())));
            case GELU -> Gradients::gelu;
            case ERF -> c -> List.of(c.b().mul(c.g(), c.b().mul(
                    c.b().one(Op.EXP, c.b().neg(c.b().mul(c.x(), c.x()))), ScalarMath.TWO_OVER_SQRT_PI)));
            case CAST -> c -> Arrays.asList(c.x().type().dtype().isFloating() && c.y().type().dtype().isFloating()
                    ? c.b().cast(c.g(), c.x().type().dtype()) : null);
            case ADD -> c -> List.of(c.b().unbroadcast(c.g(), c.input(0)), c.b().unbroadcast(c.g(), c.input(1)));
            case SUB -> c -> List.of(c.b().unbroadcast(c.g(), c.input(0)),
                    c.b().unbroadcast(c.b().neg(c.g()), c.input(1)));
            case MUL -> c -> List.of(c.b().unbroadcast(c.b().mul(c.g(), c.input(1)), c.input(0)),
                    c.b().unbroadcast(c.b().mul(c.g(), c.input(0)), c.input(1)));
            case DIV -> c -> List.of(c.b().unbroadcast(c.b().div(c.g(), c.input(1)), c.input(0)),
                    c.b().unbroadcast(c.b().neg(c.b().div(c.b().mul(c.g(), c.input(0)),
                            c.b().mul(c.input(1), c.input(1)))), c.input(1)));
            case MOD -> c -> List.of(c.b().unbroadcast(c.g(), c.input(0)), c.b().unbroadcast(c.b().neg(
                    c.b().mul(c.g(), c.b().one(Op.FLOOR_DIV, c.input(0), c.input(1)))), c.input(1)));
            case POW -> Gradients::pow;
            case MAXIMUM -> c -> pick(c, c.b().one(Op.GREATER_EQUAL, c.input(0), c.input(1)));
            case MINIMUM -> c -> pick(c, c.b().one(Op.LESS_EQUAL, c.input(0), c.input(1)));
            case SELECT -> c -> Arrays.asList(null, c.b().unbroadcast(c.b().where(c.input(0), c.g()), c.input(1)),
                    c.b().unbroadcast(c.b().whereNot(c.input(0), c.g()), c.input(2)));
            case CLIP -> Gradients::clip;
            case REDUCE_SUM -> c -> List.of(c.b().unreduce(c.g(), c.x(), c.attrs()));
            case REDUCE_MEAN -> c -> List.of(c.b().div(c.b().unreduce(c.g(), c.x(), c.attrs()), count(c)));
            case REDUCE_PROD -> Gradients::prod;
            case REDUCE_MAX, REDUCE_MIN -> Gradients::extreme;
            case MATMUL -> Gradients::matmul;
            case CONV -> WindowGradients::conv;
            case CONV_TRANSPOSE -> WindowGradients::convTranspose;
            case MAX_POOL -> WindowGradients::maxPool;
            case AVG_POOL -> WindowGradients::avgPool;
            // Both linear in their second operand and piecewise constant in x, each the other's transpose.
            case MAX_POOL_GRAD -> c -> Arrays.asList(null, c.b().one(Op.MAX_POOL_SELECT, c.attrs(), c.x(), c.g()));
            case MAX_POOL_SELECT -> c -> Arrays.asList(null, c.b().one(Op.MAX_POOL_GRAD, c.attrs(), c.x(), c.g()));
            case BATCH_NORM, LAYER_NORM, RESIZE -> c -> Composites.gradient(op, c);
            case SOFTMAX -> c -> List.of(c.b().mul(c.y(), c.b().sub(c.g(),
                    c.b().reduceSum(c.b().mul(c.g(), c.y()), List.of(softmaxAxis(c)), true))));
            case LOG_SOFTMAX -> c -> List.of(c.b().sub(c.g(), c.b().mul(c.b().one(Op.EXP, c.y()),
                    c.b().reduceSum(c.g(), List.of(softmaxAxis(c)), true))));
            case RESHAPE, EXPAND_DIMS, SQUEEZE -> c -> List.of(c.b().reshape(c.g(), c.x().type().shape()));
            case TRANSPOSE -> Gradients::transpose;
            case BROADCAST_TO -> c -> List.of(c.b().unbroadcast(c.g(), c.x()));
            case CONCAT -> Gradients::concat;
            case SLICE -> c -> List.of(c.b().one(Op.SLICE_UPDATE, c.attrs(), c.b().fillLike(c.x(), 0), c.g()));
            case SLICE_UPDATE -> c -> List.of(
                    c.b().one(Op.SLICE_UPDATE, c.attrs(), c.g(), c.b().fillLike(c.input(1), 0)),
                    c.b().one(Op.SLICE, c.attrs(), c.g()));
            case PAD -> Gradients::pad;
            case TILE -> Gradients::tile;
            case GATHER -> c -> Arrays.asList(c.b().one(Op.SCATTER_ADD, c.attrs(), c.b().fillLike(c.x(), 0), c.input(1), c.g()),
                    null);
            case SCATTER_ADD -> c -> Arrays.asList(c.g(), null, c.b().one(Op.GATHER, c.attrs(), c.g(), c.input(1)));
            case COND -> ControlFlowGradients::cond;
            case WHILE -> ControlFlowGradients::whileLoop;
            case SCAN -> ControlFlowGradients::scan;
        };
    }

    private static List<OpValue> nulls(int n) {
        return Arrays.asList(new OpValue[n]);
    }

    private static List<Integer> allAxes(OpValue v) {
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < v.type().rank(); i++) {
            axes.add(i);
        }
        return axes;
    }

    private static OpValue positive(GradientRule.Call c) {
        return c.b().one(Op.GREATER, c.x(), c.b().scalar(c.x(), 0));
    }

    /** The gradient to the operand {@code firstWins} selects, the rest to the other (maximum, minimum). */
    private static List<OpValue> pick(GradientRule.Call c, OpValue firstWins) {
        return List.of(c.b().unbroadcast(c.b().where(firstWins, c.g()), c.input(0)),
                c.b().unbroadcast(c.b().whereNot(firstWins, c.g()), c.input(1)));
    }

    private static List<OpValue> gelu(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue x = c.x();
        if (c.attrs().getBool("approximate")) {
            // d/dx 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3)
            OpValue x2 = b.mul(x, x);
            OpValue u = b.mul(b.add(x, b.mul(b.mul(x2, x), 0.044715)), SQRT_2_OVER_PI);
            OpValue t = b.one(Op.TANH, u);
            OpValue du = b.mul(b.add(b.scalar(x, 1), b.mul(x2, 3 * 0.044715)), SQRT_2_OVER_PI);
            OpValue sech2 = b.sub(b.scalar(x, 1), b.mul(t, t));
            OpValue d = b.add(b.mul(b.add(b.scalar(x, 1), t), 0.5), b.mul(b.mul(b.mul(x, sech2), du), 0.5));
            return List.of(b.mul(c.g(), d));
        }
        // d/dx x Phi(x) = Phi(x) + x phi(x)
        OpValue phi = b.mul(b.one(Op.EXP, b.mul(b.mul(x, x), -0.5)), INV_SQRT_2PI);
        OpValue cdf = b.mul(b.add(b.scalar(x, 1), b.one(Op.ERF, b.mul(x, Math.sqrt(0.5)))), 0.5);
        return List.of(b.mul(c.g(), b.add(cdf, b.mul(x, phi))));
    }

    private static List<OpValue> pow(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue a = c.input(0);
        OpValue e = c.input(1);
        OpValue da = b.mul(b.mul(c.g(), e), b.one(Op.POW, a, b.sub(e, b.scalar(e, 1))));
        // d/de a^e = a^e log a, taken as 0 where a <= 0 (TensorFlow does the same).
        OpValue positive = b.one(Op.GREATER, a, b.scalar(a, 0));
        OpValue safeA = b.one(Op.SELECT, positive, a, b.scalar(a, 1));
        OpValue de = b.where(positive, b.mul(b.mul(c.g(), c.y()), b.one(Op.LOG, safeA)));
        return List.of(b.unbroadcast(da, a), b.unbroadcast(de, e));
    }

    private static List<OpValue> clip(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue below = b.one(Op.LESS, c.x(), c.input(1));
        OpValue above = b.one(Op.GREATER, c.x(), c.input(2));
        OpValue inside = b.one(Op.LOGICAL_NOT, b.one(Op.LOGICAL_OR, below, above));
        return List.of(b.unbroadcast(b.where(inside, c.g()), c.input(0)),
                b.unbroadcast(b.where(below, c.g()), c.input(1)),
                b.unbroadcast(b.where(above, c.g()), c.input(2)));
    }

    /** The number of elements each output of a reduction folds, as a value of the input's dtype. */
    private static OpValue count(GradientRule.Call c) {
        Shape in = c.x().type().shape();
        long n = 1;
        boolean isStatic = true;
        for (int axis : OpBuilder.reducedAxes(in.rank(), c.attrs())) {
            Dim d = in.dim(axis);
            if (d.isStatic()) {
                n *= d.size();
            } else {
                isStatic = false;
            }
        }
        if (isStatic) {
            return c.b().scalar(c.x(), n);
        }
        // A symbolic dim is counted when the function runs.
        return c.b().unreduce(c.b().one(Op.REDUCE_SUM, c.attrs(), c.b().fillLike(c.x(), 1)), c.x(), c.attrs());
    }

    /**
     * The product of the other elements, exact where inputs are zero: with no zero it is y / x; with
     * one zero only that position gets the product of the rest; with two or more it is 0 everywhere.
     */
    private static List<OpValue> prod(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue x = c.x();
        OpValue isZero = b.one(Op.EQUAL, x, b.scalar(x, 0));
        OpValue nonZeroProduct = b.unreduce(b.one(Op.REDUCE_PROD, c.attrs(),
                b.one(Op.SELECT, isZero, b.scalar(x, 1), x)), x, c.attrs());
        OpValue zeros = b.unreduce(b.one(Op.REDUCE_SUM, c.attrs(), b.cast(isZero, x.type().dtype())), x, c.attrs());
        OpValue noZero = b.one(Op.EQUAL, zeros, b.scalar(x, 0));
        OpValue oneZero = b.one(Op.EQUAL, zeros, b.scalar(x, 1));
        OpValue safeX = b.one(Op.SELECT, isZero, b.scalar(x, 1), x);
        OpValue others = b.one(Op.SELECT, isZero, b.where(oneZero, nonZeroProduct),
                b.where(noZero, b.div(nonZeroProduct, safeX)));
        return List.of(b.mul(b.unreduce(c.g(), x, c.attrs()), others));
    }

    /** max/min: the gradient is shared equally among the elements equal to the result. */
    private static List<OpValue> extreme(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue x = c.x();
        OpValue mask = b.cast(b.one(Op.EQUAL, x, b.unreduce(c.y(), x, c.attrs())), x.type().dtype());
        OpValue ties = b.unreduce(b.one(Op.REDUCE_SUM, c.attrs(), mask), x, c.attrs());
        return List.of(b.div(b.mul(b.unreduce(c.g(), x, c.attrs()), mask), ties));
    }

    private static List<OpValue> matmul(GradientRule.Call c) {
        OpBuilder b = c.b();
        OpValue a = c.input(0);
        OpValue w = c.input(1);
        OpValue g = c.g();
        boolean ta = c.attrs().getBool("transpose_a");
        boolean tb = c.attrs().getBool("transpose_b");
        OpValue da;
        OpValue dw;
        if (!ta && !tb) {
            da = matmul(b, g, w, false, true);
            dw = matmul(b, a, g, true, false);
        } else if (ta && !tb) {
            da = matmul(b, w, g, false, true);
            dw = matmul(b, a, g, false, false);
        } else if (!ta) {
            da = matmul(b, g, w, false, false);
            dw = matmul(b, g, a, true, false);
        } else {
            da = matmul(b, w, g, true, true);
            dw = matmul(b, g, a, true, true);
        }
        return List.of(b.unbroadcast(da, a), b.unbroadcast(dw, w));
    }

    private static OpValue matmul(OpBuilder b, OpValue x, OpValue y, boolean tx, boolean ty) {
        return b.one(Op.MATMUL, Attributes.builder().put("transpose_a", tx).put("transpose_b", ty).build(), x, y);
    }

    private static int softmaxAxis(GradientRule.Call c) {
        return Shape.normalizeAxis(c.attrs().getInt("axis"), c.x().type().rank());
    }

    private static List<OpValue> transpose(GradientRule.Call c) {
        int rank = c.x().type().rank();
        int[] perm = Movement.permutation(c.attrs().has("perm") ? c.attrs().getInts("perm") : null, rank);
        long[] inverse = new long[rank];
        for (int i = 0; i < rank; i++) {
            inverse[perm[i]] = i;
        }
        return List.of(c.b().one(Op.TRANSPOSE, Attributes.builder().putInts("perm", inverse).build(), c.g()));
    }

    /** A slice of {@code g} that is whole in every dim but {@code axis}, where it is [begin, end). */
    static OpValue sliceAlong(OpBuilder b, OpValue g, int axis, long begin, long end) {
        int rank = g.type().rank();
        long[] begins = new long[rank];
        long[] ends = new long[rank];
        begins[axis] = begin;
        ends[axis] = end;
        long mask = ((1L << rank) - 1) & ~(1L << axis);
        return b.one(Op.SLICE, Attributes.builder().putInts("begin", begins).putInts("end", ends)
                .put("begin_mask", mask).put("end_mask", mask).build(), g);
    }

    private static List<OpValue> concat(GradientRule.Call c) {
        int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), c.x().type().rank());
        List<OpValue> grads = new ArrayList<>();
        long offset = 0;
        for (OpValue in : c.inputs()) {
            long size = in.type().shape().dim(axis).size();
            grads.add(sliceAlong(c.b(), c.g(), axis, offset, offset + size));
            offset += size;
        }
        return grads;
    }

    private static List<OpValue> pad(GradientRule.Call c) {
        String mode = c.attrs().getString("mode");
        if (!mode.equals("constant")) {
            throw new IrException("pad: no gradient for mode \"" + mode + "\" (only \"constant\" padding is differentiable)");
        }
        long[] p = c.attrs().getInts("paddings");
        Shape in = c.x().type().shape();
        int rank = in.rank();
        long[] begins = new long[rank];
        long[] ends = new long[rank];
        long mask = 0;
        for (int d = 0; d < rank; d++) {
            if (in.dim(d).isStatic()) {
                begins[d] = p[2 * d];
                ends[d] = p[2 * d] + in.dim(d).size();
            } else {
                mask |= 1L << d;
            }
        }
        return List.of(c.b().one(Op.SLICE, Attributes.builder().putInts("begin", begins).putInts("end", ends)
                .put("begin_mask", mask).put("end_mask", mask).build(), c.g()));
    }

    /** tile: view g as [m0, d0, m1, d1, ...] and sum over the multiples. */
    private static List<OpValue> tile(GradientRule.Call c) {
        long[] multiples = c.attrs().getInts("multiples");
        Shape in = c.x().type().shape();
        List<Dim> split = new ArrayList<>();
        List<Integer> axes = new ArrayList<>();
        for (int d = 0; d < in.rank(); d++) {
            axes.add(split.size());
            split.add(Dim.of((int) multiples[d]));
            split.add(in.dim(d));
        }
        OpValue grouped = c.b().reshape(c.g(), Shape.of(split));
        return List.of(c.b().reshape(c.b().reduceSum(grouped, axes, false), in));
    }
}
