package io.jitflow.ir.kernel;

import static io.jitflow.ir.kernel.Expr.binary;
import static io.jitflow.ir.kernel.Expr.cast;
import static io.jitflow.ir.kernel.Expr.unary;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Op;
import io.jitflow.ir.ops.ScalarMath;
import java.util.List;

/**
 * Each elementwise op's scalar formula in the kernel expression language, so that adding an
 * elementwise op needs no change in any backend. Float formulas compute in float64 and round to
 * the op's dtype once, the way the reference semantics do, so compiled and interpreted results
 * agree bit for bit; integer formulas compute in the op's dtype, wrapping as the reference does.
 */
public final class ScalarFormulas {

    private ScalarFormulas() {
    }

    /** The formula of elementwise {@code op} over its operands' expressions, or null for any other op. */
    public static Expr of(Op op, Attributes attrs, List<Expr> in, DType result) {
        return switch (op) {
            case NEG -> numeric(in, result, x -> unary(ScalarOp.NEG, x));
            case ABS -> numeric(in, result, x -> unary(ScalarOp.ABS, x));
            case SIGN -> numeric(in, result, x -> unary(ScalarOp.SIGN, x));
            case SQUARE -> numeric(in, result, x -> binary(ScalarOp.MUL, x, x));
            case RELU -> numeric(in, result, x -> binary(ScalarOp.MAX, x, constLike(x, 0)));
            case EXP -> real(in, result, x -> unary(ScalarOp.EXP, x));
            case EXPM1 -> real(in, result, x -> unary(ScalarOp.EXPM1, x));
            case LOG -> real(in, result, x -> unary(ScalarOp.LOG, x));
            case LOG1P -> real(in, result, x -> unary(ScalarOp.LOG1P, x));
            case SQRT -> real(in, result, x -> unary(ScalarOp.SQRT, x));
            case RSQRT -> real(in, result, x -> binary(ScalarOp.DIV, f64(1), unary(ScalarOp.SQRT, x)));
            case RECIPROCAL -> real(in, result, x -> binary(ScalarOp.DIV, f64(1), x));
            case SIN -> real(in, result, x -> unary(ScalarOp.SIN, x));
            case COS -> real(in, result, x -> unary(ScalarOp.COS, x));
            case TANH -> real(in, result, x -> unary(ScalarOp.TANH, x));
            case SIGMOID -> real(in, result, ScalarFormulas::sigmoid);
            case LEAKY_RELU -> real(in, result, x -> new Expr.Select(positive(x), x,
                    binary(ScalarOp.MUL, f64(attrs.getFloat("alpha")), x)));
            case ELU -> real(in, result, x -> elu(x, attrs.getFloat("alpha")));
            case SELU -> real(in, result, x -> binary(ScalarOp.MUL, f64(ScalarMath.SELU_SCALE), elu(x, ScalarMath.SELU_ALPHA)));
            case SOFTPLUS -> real(in, result, x -> binary(ScalarOp.ADD, binary(ScalarOp.MAX, x, f64(0)),
                    unary(ScalarOp.LOG1P, unary(ScalarOp.EXP, unary(ScalarOp.NEG, unary(ScalarOp.ABS, x))))));
            case GELU -> real(in, result, x -> attrs.getBool("approximate") ? geluTanh(x)
                    : binary(ScalarOp.MUL, x, unary(ScalarOp.NORMAL_CDF, x)));
            case ERF -> real(in, result, x -> unary(ScalarOp.ERF, x));
            case FLOOR -> real(in, result, x -> unary(ScalarOp.FLOOR, x));
            case CEIL -> real(in, result, x -> unary(ScalarOp.CEIL, x));
            case ROUND -> real(in, result, x -> unary(ScalarOp.RINT, x));
            case LOGICAL_NOT -> unary(ScalarOp.NOT, in.get(0));
            case IS_NAN -> unary(ScalarOp.IS_NAN, cast(in.get(0), DType.FLOAT64));
            case IS_FINITE -> unary(ScalarOp.IS_FINITE, cast(in.get(0), DType.FLOAT64));
            case CAST -> cast(in.get(0), result);
            case ADD -> arithmetic(ScalarOp.ADD, in, result);
            case SUB -> arithmetic(ScalarOp.SUB, in, result);
            case MUL -> arithmetic(ScalarOp.MUL, in, result);
            case DIV -> cast(binary(ScalarOp.DIV, toFloat64(in.get(0)), toFloat64(in.get(1))), result);
            case FLOOR_DIV -> result.isFloating()
                    ? cast(unary(ScalarOp.FLOOR, binary(ScalarOp.DIV, wide(in.get(0)), wide(in.get(1)))), result)
                    : binary(ScalarOp.FLOOR_DIV, in.get(0), in.get(1));
            case MOD -> arithmetic(ScalarOp.FLOOR_MOD, in, result);
            case POW -> arithmetic(ScalarOp.POW, in, result);
            case MAXIMUM -> arithmetic(ScalarOp.MAX, in, result);
            case MINIMUM -> arithmetic(ScalarOp.MIN, in, result);
            case EQUAL -> comparison(ScalarOp.EQ, in);
            case NOT_EQUAL -> comparison(ScalarOp.NE, in);
            case LESS -> comparison(ScalarOp.LT, in);
            case LESS_EQUAL -> comparison(ScalarOp.LE, in);
            case GREATER -> comparison(ScalarOp.GT, in);
            case GREATER_EQUAL -> comparison(ScalarOp.GE, in);
            case LOGICAL_AND -> binary(ScalarOp.AND, in.get(0), in.get(1));
            case LOGICAL_OR -> binary(ScalarOp.OR, in.get(0), in.get(1));
            case LOGICAL_XOR -> binary(ScalarOp.XOR, in.get(0), in.get(1));
            case SELECT -> new Expr.Select(in.get(0), in.get(1), in.get(2));
            case CLIP -> result.isFloating()
                    ? cast(binary(ScalarOp.MIN, binary(ScalarOp.MAX, wide(in.get(0)), wide(in.get(1))), wide(in.get(2))), result)
                    : binary(ScalarOp.MIN, binary(ScalarOp.MAX, in.get(0), in.get(1)), in.get(2));
            case CONSTANT, FILL, RANGE, RANDOM_UNIFORM, RANDOM_NORMAL, REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN,
                 REDUCE_PROD, REDUCE_ANY, REDUCE_ALL, ARGMAX, ARGMIN, MATMUL, SOFTMAX, LOG_SOFTMAX, CONV, CONV_TRANSPOSE, MAX_POOL,
                 AVG_POOL, MAX_POOL_GRAD, MAX_POOL_SELECT, BATCH_NORM, LAYER_NORM, RESIZE, RESHAPE, TRANSPOSE,
                 EXPAND_DIMS, SQUEEZE, BROADCAST_TO, CONCAT, SLICE, SLICE_UPDATE, PAD, TILE, GATHER, ONE_HOT, SCATTER_ADD,
                 READ_VARIABLE, ASSIGN_VARIABLE, COND, WHILE, SCAN -> null;
        };
    }

    private static Expr f64(double v) {
        return Expr.Const.of(DType.FLOAT64, v);
    }

    private static Expr constLike(Expr x, double v) {
        return Expr.Const.of(x.dtype(), v);
    }

    /** Widens a float operand to float64 (exact); integers stay as they are. */
    private static Expr wide(Expr x) {
        return x.dtype().isFloating() ? cast(x, DType.FLOAT64) : x;
    }

    private static Expr toFloat64(Expr x) {
        return cast(x, DType.FLOAT64);
    }

    private static Expr real(List<Expr> in, DType result, java.util.function.UnaryOperator<Expr> f) {
        return cast(f.apply(cast(in.get(0), DType.FLOAT64)), result);
    }

    /** A numeric unary op: through float64 for floats, in the dtype for integers. */
    private static Expr numeric(List<Expr> in, DType result, java.util.function.UnaryOperator<Expr> f) {
        return result.isFloating() ? real(in, result, f) : f.apply(in.get(0));
    }

    private static Expr arithmetic(ScalarOp op, List<Expr> in, DType result) {
        if (result.isFloating()) {
            return cast(binary(op, wide(in.get(0)), wide(in.get(1))), result);
        }
        return binary(op, in.get(0), in.get(1));
    }

    private static Expr comparison(ScalarOp op, List<Expr> in) {
        return binary(op, wide(in.get(0)), wide(in.get(1)));
    }

    private static Expr positive(Expr x) {
        return binary(ScalarOp.GT, x, f64(0));
    }

    private static Expr sigmoid(Expr x) {
        return binary(ScalarOp.DIV, f64(1), binary(ScalarOp.ADD, f64(1), unary(ScalarOp.EXP, unary(ScalarOp.NEG, x))));
    }

    private static Expr elu(Expr x, double alpha) {
        return new Expr.Select(positive(x), x, binary(ScalarOp.MUL, f64(alpha), unary(ScalarOp.EXPM1, x)));
    }

    /** 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x * x * x))). */
    private static Expr geluTanh(Expr x) {
        Expr cube = binary(ScalarOp.MUL, binary(ScalarOp.MUL, binary(ScalarOp.MUL, f64(0.044715), x), x), x);
        Expr inner = binary(ScalarOp.MUL, f64(Math.sqrt(2 / Math.PI)), binary(ScalarOp.ADD, x, cube));
        return binary(ScalarOp.MUL, binary(ScalarOp.MUL, f64(0.5), x), binary(ScalarOp.ADD, f64(1), unary(ScalarOp.TANH, inner)));
    }
}
