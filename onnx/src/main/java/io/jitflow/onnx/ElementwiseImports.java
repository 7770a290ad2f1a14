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
        r.op("HardSigmoid", c -> {
            Operand x = c.in(0);
            DType t = x.type.dtype();
            Operand lin = c.emit(Op.ADD, c.emit(Op.MUL, x, c.scalar(t, c.attrFloat("alpha", 0.2))),
                    c.scalar(t, c.attrFloat("beta", 0.5)));
            return c.emit(Op.MINIMUM, c.emit(Op.MAXIMUM, lin, c.scalar(t, 0)), c.scalar(t, 1));
        });
        r.op("Gelu", c -> {
            String approximate = c.attrString("approximate", "none");
            if (!approximate.equals("none") && !approximate.equals("tanh")) {
                throw c.error("approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
            }
            return c.emit(Op.GELU, attrs().put("approximate", approximate.equals("tanh")).build(), c.in(0));
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
