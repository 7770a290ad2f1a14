package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.Op;

/** Elementwise ONNX ops: most map one to one; the rest are short compositions. */
final class ElementwiseImports {
    private ElementwiseImports() {
    }

    static void register(OnnxOps.Registry r) {
        unary(r, "Abs", Op.ABS);
        unary(r, "Neg", Op.NEG);
        unary(r, "Exp", Op.EXP);
        unary(r, "Log", Op.LOG);
        unary(r, "Sqrt", Op.SQRT);
        unary(r, "Reciprocal", Op.RECIPROCAL);
        unary(r, "Relu", Op.RELU);
        unary(r, "Sigmoid", Op.SIGMOID);
        unary(r, "Tanh", Op.TANH);
        unary(r, "Softplus", Op.SOFTPLUS);
        unary(r, "Erf", Op.ERF);
        unary(r, "Floor", Op.FLOOR);
        unary(r, "Ceil", Op.CEIL);
        unary(r, "Round", Op.ROUND);
        unary(r, "Sign", Op.SIGN);
        unary(r, "Sin", Op.SIN);
        unary(r, "Cos", Op.COS);
        unary(r, "Not", Op.LOGICAL_NOT);
        unary(r, "IsNaN", Op.IS_NAN);
        binary(r, "Add", Op.ADD);
        binary(r, "Sub", Op.SUB);
        binary(r, "Mul", Op.MUL);
        binary(r, "And", Op.LOGICAL_AND);
        binary(r, "Or", Op.LOGICAL_OR);
        binary(r, "Xor", Op.LOGICAL_XOR);
        binary(r, "Equal", Op.EQUAL);
        binary(r, "Greater", Op.GREATER);
        binary(r, "Less", Op.LESS);
        binary(r, "GreaterOrEqual", Op.GREATER_EQUAL);
        binary(r, "LessOrEqual", Op.LESS_EQUAL);
        variadic(r, "Max", Op.MAXIMUM);
        variadic(r, "Min", Op.MINIMUM);
        variadic(r, "Sum", Op.ADD);
        r.op("Mean", c -> {
            Operand sum = fold(c, Op.ADD);
            return c.emit(Op.DIV, sum, c.scalar(sum.type.dtype(), c.inputCount()));
        });
        r.op("Div", c -> {
            Operand a = c.in(0);
            Operand q = c.emit(Op.DIV, a, c.in(1));
            // Integer division truncates toward zero in ONNX; div divides integers as floats.
            return c.cast(q, a.type.dtype());
        });
        r.op("Mod", c -> {
            Operand a = c.in(0);
            Operand b = c.in(1);
            Operand floorMod = c.emit(Op.MOD, a, b);
            if (c.attrInt("fmod", 0) == 0) {
                if (a.type.dtype().isFloating()) {
                    throw c.error("fmod = 0 needs integer operands, got " + a.type);
                }
                return floorMod;
            }
            // C's fmod takes the dividend's sign: where the floor modulo is nonzero and its sign differs, step back by b.
            Operand zero = c.scalar(a.type.dtype(), 0);
            Operand differ = c.emit(Op.NOT_EQUAL, c.emit(Op.LESS, floorMod, zero), c.emit(Op.LESS, a, zero));
            Operand fix = c.emit(Op.LOGICAL_AND, c.emit(Op.NOT_EQUAL, floorMod, zero), differ);
            return c.emit(Op.SELECT, fix, c.emit(Op.SUB, floorMod, b), floorMod);
        });
        r.op("Pow", c -> c.emit(Op.POW, c.in(0), c.cast(c.in(1), c.in(0).type.dtype())));
        r.op("Where", c -> c.emit(Op.SELECT, c.in(0), c.in(1), c.in(2)));
        r.op("Cast", c -> c.cast(c.in(0), TensorProtos.dtype((int) c.attrInt("to", 0), "Cast's 'to'")));
        r.op("CastLike", c -> c.cast(c.in(0), c.in(1).type.dtype()));
        r.op("Identity", c -> c.in(0));
        r.op("Clip", ElementwiseImports::clip);
        r.op("LeakyRelu", c -> c.emit(Op.LEAKY_RELU, attrs().put("alpha", c.attrFloat("alpha", 0.01)).build(), c.in(0)));
        r.op("Elu", c -> elu(c, c.attrFloat("alpha", 1.0)));
        // selu = gamma * elu(x, alpha), with the op's defaults as float32 attributes carry them.
        r.op("Selu", c -> {
            Operand elu = elu(c, c.attrFloat("alpha", 1.67326319217681884765625f));
            return c.emit(Op.MUL, elu, c.scalar(elu.type.dtype(), c.attrFloat("gamma", 1.05070102214813232421875f)));
        });
        r.op("HardSigmoid", c -> hardSigmoid(c, c.attrFloat("alpha", 0.2), c.attrFloat("beta", 0.5)));
        r.op("Gelu", c -> {
            String approximate = c.attrString("approximate", "none");
            if (!approximate.equals("none") && !approximate.equals("tanh")) {
                throw c.error("approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
            }
            return c.emit(Op.GELU, attrs().put("approximate", approximate.equals("tanh")).build(), c.in(0));
        });
        r.op("PRelu", c -> {
            Operand x = c.in(0);
            Operand slope = c.cast(c.in(1), x.type.dtype());
            return c.emit(Op.SELECT, c.emit(Op.LESS, x, c.scalar(x.type.dtype(), 0)), c.emit(Op.MUL, x, slope), x);
        });
        // x max(0, min(1, x / 6 + 1 / 2)): HardSigmoid's clamp with ONNX's fixed alpha and beta.
        r.op("HardSwish", c -> c.emit(Op.MUL, c.in(0), hardSigmoid(c, 1 / 6.0, 0.5)));
        r.op("Softsign", c -> {
            Operand x = c.in(0);
            return c.emit(Op.DIV, x, c.emit(Op.ADD, c.scalar(x.type.dtype(), 1), c.emit(Op.ABS, x)));
        });
        r.op("Mish", c -> c.emit(Op.MUL, c.in(0), c.emit(Op.TANH, c.emit(Op.SOFTPLUS, c.in(0)))));
        // max(0, x) + min(0, alpha (e^(x / alpha) - 1)).
        r.op("Celu", c -> {
            Operand x = c.in(0);
            DType t = x.type.dtype();
            Operand alpha = c.scalar(t, c.attrFloat("alpha", 1.0));
            Operand scaled = c.emit(Op.MUL, alpha, c.emit(Op.SUB, c.emit(Op.EXP, c.emit(Op.DIV, x, alpha)), c.scalar(t, 1)));
            return c.emit(Op.ADD, c.emit(Op.MAXIMUM, x, c.scalar(t, 0)), c.emit(Op.MINIMUM, scaled, c.scalar(t, 0)));
        });
        r.op("Swish", c -> swish(c, c.in(0)));
        // swish(A) B, A and B of one shape.
        r.op("SwiGLU", c -> {
            if (!c.in(0).type.equals(c.in(1).type)) {
                throw c.error("the gate and the value must have one type, got " + c.in(0).type + " and " + c.in(1).type);
            }
            return c.emit(Op.MUL, swish(c, c.in(0)), c.in(1));
        });
        r.op("ThresholdedRelu", c -> {
            Operand x = c.in(0);
            DType t = x.type.dtype();
            return c.emit(Op.SELECT, c.emit(Op.GREATER, x, c.scalar(t, c.attrFloat("alpha", 1.0))), x, c.scalar(t, 0));
        });
        // x + bias below -lambd, x - bias above lambd, 0 between.
        r.op("Shrink", c -> {
            Operand x = c.in(0);
            DType t = x.type.dtype();
            double lambd = c.attrFloat("lambd", 0.5);
            Operand bias = c.scalar(t, c.attrFloat("bias", 0));
            Operand inner = c.emit(Op.SELECT, c.emit(Op.GREATER, x, c.scalar(t, lambd)), c.emit(Op.SUB, x, bias),
                    c.scalar(t, 0));
            return c.emit(Op.SELECT, c.emit(Op.LESS, x, c.scalar(t, -lambd)), c.emit(Op.ADD, x, bias), inner);
        });
        r.op("Tan", c -> c.emit(Op.DIV, c.emit(Op.SIN, c.in(0)), c.emit(Op.COS, c.in(0))));
        r.op("Sinh", c -> nearZero(c, 1 / 6.0, c.emit(Op.MUL, half(c), c.emit(Op.SUB, c.emit(Op.EXP, c.in(0)),
                c.emit(Op.EXP, c.emit(Op.NEG, c.in(0)))))));
        r.op("Cosh", c -> c.emit(Op.MUL, half(c), c.emit(Op.ADD, c.emit(Op.EXP, c.in(0)),
                c.emit(Op.EXP, c.emit(Op.NEG, c.in(0))))));
        // sign(x) ln(|x| + sqrt(x^2 + 1)): odd, so no cancellation for negative x.
        r.op("Asinh", c -> {
            Operand x = c.in(0);
            Operand a = c.emit(Op.ABS, x);
            Operand root = c.emit(Op.SQRT, c.emit(Op.ADD, c.emit(Op.MUL, x, x), c.scalar(x.type.dtype(), 1)));
            return nearZero(c, -1 / 6.0, c.emit(Op.MUL, c.emit(Op.SIGN, x), c.emit(Op.LOG, c.emit(Op.ADD, a, root))));
        });
        r.op("Acosh", c -> {
            Operand x = c.in(0);
            Operand root = c.emit(Op.SQRT, c.emit(Op.SUB, c.emit(Op.MUL, x, x), c.scalar(x.type.dtype(), 1)));
            return c.emit(Op.LOG, c.emit(Op.ADD, x, root));
        });
        r.op("Atanh", c -> {
            Operand x = c.in(0);
            Operand one = c.scalar(x.type.dtype(), 1);
            Operand ratio = c.emit(Op.DIV, c.emit(Op.ADD, one, x), c.emit(Op.SUB, one, x));
            return nearZero(c, 1 / 3.0, c.emit(Op.MUL, half(c), c.emit(Op.LOG, ratio)));
        });
        r.op("Atan", c -> atan(c, c.in(0)));
        // asin(x) = atan(x / sqrt(1 - x^2)); acos(x) = 2 atan(sqrt((1 - x) / (1 + x))), which keeps
        // its precision near x = 1, where pi / 2 - asin(x) would cancel. Beyond [-1, 1], NaN.
        r.op("Asin", c -> {
            Operand x = c.in(0);
            Operand one = c.scalar(x.type.dtype(), 1);
            return atan(c, c.emit(Op.DIV, x, c.emit(Op.SQRT, c.emit(Op.SUB, one, c.emit(Op.MUL, x, x)))));
        });
        r.op("Acos", c -> {
            Operand x = c.in(0);
            Operand one = c.scalar(x.type.dtype(), 1);
            Operand ratio = c.emit(Op.DIV, c.emit(Op.SUB, one, x), c.emit(Op.ADD, one, x));
            return c.emit(Op.MUL, c.scalar(x.type.dtype(), 2), atan(c, c.emit(Op.SQRT, ratio)));
        });
        r.op("IsInf", c -> {
            Operand x = c.in(0);
            DType t = x.type.dtype();
            Operand pos = c.emit(Op.EQUAL, x, c.scalar(t, Double.POSITIVE_INFINITY));
            Operand neg = c.emit(Op.EQUAL, x, c.scalar(t, Double.NEGATIVE_INFINITY));
            boolean detectPositive = c.attrInt("detect_positive", 1) != 0;
            boolean detectNegative = c.attrInt("detect_negative", 1) != 0;
            if (detectPositive && detectNegative) {
                return c.emit(Op.LOGICAL_OR, pos, neg);
            }
            return detectPositive ? pos : detectNegative ? neg : c.emit(Op.LOGICAL_AND, pos, neg);
        });
    }

    /** tan(pi / 8): above it, atan's argument is reduced by pi / 4. */
    private static final double TAN_PI_8 = Math.sqrt(2) - 1;

    /**
     * atan(x), which the op set lacks: |x| above 1 as pi / 2 - atan(1 / |x|), then above tan(pi / 8)
     * as pi / 4 + atan((z - 1) / (z + 1)), leaving |w| <= tan(pi / 8), where atan's series w - w^3
     * / 3 + w^5 / 5 - ... has dropped below the dtype's precision after 12 terms (float32 and
     * float16) or 24 (float64); the sign goes back last.
     */
    private static Operand atan(ImportContext c, Operand x) {
        DType t = x.type.dtype();
        Operand a = c.emit(Op.ABS, x);
        Operand one = c.scalar(t, 1);
        Operand inverted = c.emit(Op.GREATER, a, one);
        Operand z = c.emit(Op.SELECT, inverted, c.emit(Op.DIV, one, a), a);
        Operand shifted = c.emit(Op.GREATER, z, c.scalar(t, TAN_PI_8));
        Operand w = c.emit(Op.SELECT, shifted, c.emit(Op.DIV, c.emit(Op.SUB, z, one), c.emit(Op.ADD, z, one)), z);
        Operand w2 = c.emit(Op.MUL, w, w);
        int terms = t == DType.FLOAT64 ? 24 : 12;
        Operand series = c.scalar(t, (terms % 2 == 0 ? -1.0 : 1.0) / (2 * terms - 1));
        for (int k = terms - 2; k >= 0; k--) {
            series = c.emit(Op.ADD, c.emit(Op.MUL, series, w2), c.scalar(t, (k % 2 == 0 ? 1.0 : -1.0) / (2 * k + 1)));
        }
        Operand reduced = c.emit(Op.ADD, c.emit(Op.SELECT, shifted, c.scalar(t, Math.PI / 4), c.scalar(t, 0)),
                c.emit(Op.MUL, w, series));
        Operand positive = c.emit(Op.SELECT, inverted, c.emit(Op.SUB, c.scalar(t, Math.PI / 2), reduced), reduced);
        return c.emit(Op.SELECT, c.emit(Op.LESS, x, c.scalar(t, 0)), c.emit(Op.NEG, positive), positive);
    }

    private static void unary(OnnxOps.Registry r, String type, Op op) {
        r.op(type, c -> c.emit(op, c.in(0)));
    }

    private static void binary(OnnxOps.Registry r, String type, Op op) {
        r.op(type, c -> c.emit(op, c.in(0), c.in(1)));
    }

    private static void variadic(OnnxOps.Registry r, String type, Op op) {
        r.op(type, c -> fold(c, op));
    }

    private static Operand fold(ImportContext c, Op op) {
        Operand acc = c.in(0);
        for (int i = 1; i < c.inputCount(); i++) {
            acc = c.emit(op, acc, c.in(i));
        }
        return acc;
    }

    /** max(0, min(1, alpha x + beta)) of the node's input. */
    private static Operand hardSigmoid(ImportContext c, double alpha, double beta) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        Operand lin = c.emit(Op.ADD, c.emit(Op.MUL, x, c.scalar(t, alpha)), c.scalar(t, beta));
        return c.emit(Op.MINIMUM, c.emit(Op.MAXIMUM, lin, c.scalar(t, 0)), c.scalar(t, 1));
    }

    /** x sigmoid(alpha x), alpha the node's (1 by default). */
    private static Operand swish(ImportContext c, Operand x) {
        Operand scaled = c.emit(Op.MUL, x, c.scalar(x.type.dtype(), c.attrFloat("alpha", 1.0)));
        return c.emit(Op.MUL, x, c.emit(Op.SIGMOID, scaled));
    }

    private static Operand half(ImportContext c) {
        return c.scalar(c.in(0).type.dtype(), 0.5);
    }

    /**
     * {@code f} of the node's input, or near 0 (|x| below 1/100) the odd series x (1 + a x^2),
     * which a formula of exponentials or logarithms of 1 + O(x) loses to cancellation.
     */
    private static Operand nearZero(ImportContext c, double a, Operand f) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        Operand series = c.emit(Op.MUL, x, c.emit(Op.ADD, c.scalar(t, 1), c.emit(Op.MUL, c.scalar(t, a),
                c.emit(Op.MUL, x, x))));
        return c.emit(Op.SELECT, c.emit(Op.LESS, c.emit(Op.ABS, x), c.scalar(t, 0.01)), series, f);
    }

    private static Operand elu(ImportContext c, double alpha) {
        return c.emit(Op.ELU, attrs().put("alpha", alpha).build(), c.in(0));
    }

    /** Clip: bounds are attributes before opset 11 and optional inputs from it; a missing bound does not clip. */
    private static Operand clip(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        Operand lo = null;
        Operand hi = null;
        if (c.opset() < 11) {
            lo = c.hasAttr("min") ? c.scalar(t, c.attrFloat("min", 0)) : null;
            hi = c.hasAttr("max") ? c.scalar(t, c.attrFloat("max", 0)) : null;
        } else {
            lo = c.has(1) ? c.in(1) : null;
            hi = c.has(2) ? c.in(2) : null;
        }
        Operand y = lo == null ? x : c.emit(Op.MAXIMUM, x, lo);
        return hi == null ? y : c.emit(Op.MINIMUM, y, hi);
    }
}
