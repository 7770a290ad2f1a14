package io.jitflow.cuda;

import io.jitflow.cuda.PtxAsm.PtxType;
import io.jitflow.cuda.PtxAsm.RegClass;
import io.jitflow.ir.DType;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.ir.ops.Philox;

/**
 * The scalar half of writing a PTX kernel: virtual registers (ptxas allocates the real ones:
 * {@code %p} predicates, {@code %h} float16 bits, {@code %r} 32-bit integers, with uint8 kept masked
 * to 8 bits, {@code %rd} 64-bit integers and addresses, {@code %f} float32, and float16 held exactly,
 * {@code %fd} float64), instructions and labels, constants, and every scalar operation: arithmetic
 * with {@code .rn} (which keeps ptxas from contracting into fused multiply-adds, so results round as
 * the reference's do), comparisons, conversions with {@code cast}'s semantics, the math routines of
 * {@link PtxMath} and Philox random numbers, all written into the kernel's {@link PtxAsm}.
 * {@link PtxKernelAccess} adds buffers and expressions, {@link PtxKernelWriter} the kernels' structure.
 */
final class PtxScalarWriter {
    /** What a scalar operation needs from the kernel it is part of. */
    interface KernelChecks {
        /** The error for something this backend cannot compile yet, naming the kernel. */
        UnsupportedKernelException unsupported(String what);

        /** Stops the kernel with run-time error {@code message} unless predicate {@code ok} holds. */
        void failUnless(String ok, String message);
    }

    private final PtxAsm asm;
    private final KernelChecks checks;

    PtxScalarWriter(PtxAsm asm, KernelChecks checks) {
        this.asm = asm;
        this.checks = checks;
        this.math = new PtxMath(asm, checks);
    }

    final PtxMath math;


    static RegClass regClass(DType dtype) {
        return switch (dtype) {
            case BOOL -> RegClass.PRED;
            case UINT8, INT32 -> RegClass.B32;
            case INT64 -> RegClass.B64;
            // A float16 value lives in a float32 register, where it is exact (see roundToHalf).
            case FLOAT16, FLOAT32 -> RegClass.F32;
            case FLOAT64 -> RegClass.F64;
        };
    }


    /** The PTX type suffix for arithmetic on a dtype. */
    static PtxType type(DType dtype) {
        return switch (dtype) {
            case UINT8 -> PtxType.U32;
            case INT32 -> PtxType.S32;
            case INT64 -> PtxType.S64;
            case FLOAT16, FLOAT32 -> PtxType.F32;
            case FLOAT64 -> PtxType.F64;
            case BOOL -> PtxType.PRED;
        };
    }


    String newValue(DType dtype) {
        return asm.reg(regClass(dtype));
    }


    /**
     * Rounds a float16 result computed in float32 (or float64) to float16, in place. Rounding twice,
     * to float32 and then to float16, gives the correctly rounded float16 sum, difference, product,
     * quotient or square root, since float32 has more than twice float16's precision plus two bits.
     */
    void roundToHalf(String value, DType computedIn) {
        String half = asm.reg(RegClass.B16);
        asm.cvt(".rn", PtxType.F16, type(computedIn), half, value);
        asm.cvt("", PtxType.F32, PtxType.F16, value, half);
    }


    /** An operand that must be a register: immediates are moved into one. */
    String asRegister(String operand) {
        if (operand.startsWith("%")) {
            return operand;
        }
        String r = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, r, operand);
        return r;
    }

    /**
     * A random op's element: Philox4x32-10 on (counter, seed) as {@code Philox.block} computes it,
     * then as {@code Philox.uniform} (min + (max - min) u from 53 or 24 bits) or {@code Philox.normal}
     * (Box-Muller with the log and cos that {@code PortableMath} and {@link PtxMath} share), rounded
     * once to the dtype: every element equals the CPU's bit for bit.
     */
    String random(Expr.Random r, String counter) {
        String[] c = new String[4];
        for (int i = 0; i < 4; i++) {
            c[i] = asm.reg(RegClass.B32);
        }
        asm.cvt("", PtxType.U32, PtxType.U64, c[0], counter);
        String high = asm.reg(RegClass.B64);
        asm.op("shr", PtxType.U64, high, counter, 32);
        asm.cvt("", PtxType.U32, PtxType.U64, c[1], high);
        asm.op("mov", PtxType.U32, c[2], 0);
        asm.op("mov", PtxType.U32, c[3], 0);
        int k0 = (int) r.seed();
        int k1 = (int) (r.seed() >>> 32);
        String product = asm.reg(RegClass.B32);
        for (int round = 0; round < 10; round++) {
            // (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0))
            String lo0 = asm.reg(RegClass.B32);
            String lo2 = asm.reg(RegClass.B32);
            asm.op("mul.lo", PtxType.U32, lo0, c[0], Integer.toUnsignedString(Philox.M0));
            asm.op("mul.hi", PtxType.U32, product, c[0], Integer.toUnsignedString(Philox.M0));
            String n2 = asm.reg(RegClass.B32);
            asm.op("xor", PtxType.B32, n2, product, c[3]);
            asm.op("xor", PtxType.B32, n2, n2, Integer.toUnsignedString(k1));
            asm.op("mul.lo", PtxType.U32, lo2, c[2], Integer.toUnsignedString(Philox.M1));
            asm.op("mul.hi", PtxType.U32, product, c[2], Integer.toUnsignedString(Philox.M1));
            String n0 = asm.reg(RegClass.B32);
            asm.op("xor", PtxType.B32, n0, product, c[1]);
            asm.op("xor", PtxType.B32, n0, n0, Integer.toUnsignedString(k0));
            c = new String[] {n0, lo2, n2, lo0};
            k0 += Philox.W0;
            k1 += Philox.W1;
        }
        String value = asm.reg(RegClass.F64);
        if (r.normal()) {
            // mean + stddev sqrt(-2 log u1) cos(2 pi u2), u1 = 1 - unit(w0, w1), u2 = unit(w2, w3).
            String u1 = asm.reg(RegClass.F64);
            asm.op("sub.rn", PtxType.F64, u1, PtxMath.d(1), unitDouble(c[0], c[1]));
            String radius = asm.reg(RegClass.F64);
            asm.op("mul.rn", PtxType.F64, radius, math.log(u1), PtxMath.d(-2));
            asm.op("sqrt.rn", PtxType.F64, radius, radius);
            String angle = asm.reg(RegClass.F64);
            asm.op("mul.rn", PtxType.F64, angle, unitDouble(c[2], c[3]), PtxMath.d(Philox.TWO_PI));
            asm.op("mul.rn", PtxType.F64, value, radius, PtxMath.d(r.p2()));
            asm.op("mul.rn", PtxType.F64, value, value, math.cos(angle));
            asm.op("add.rn", PtxType.F64, value, value, PtxMath.d(r.p1()));
            return convert(value, DType.FLOAT64, r.dtype());
        }
        String unit;
        if (r.dtype() == DType.FLOAT64) {
            unit = unitDouble(c[0], c[1]);
        } else {
            // (w0 >>> 8) * 2^-24
            unit = asm.reg(RegClass.F64);
            String word = asm.reg(RegClass.B32);
            asm.op("shr", PtxType.U32, word, c[0], 8);
            asm.cvt(".rn", PtxType.F64, PtxType.U32, unit, word);
            asm.op("mul.rn", PtxType.F64, unit, unit, PtxMath.d(0x1.0p-24));
        }
        asm.op("mul.rn", PtxType.F64, value, unit, PtxMath.d(r.p2() - r.p1()));
        asm.op("add.rn", PtxType.F64, value, value, PtxMath.d(r.p1()));
        return convert(value, DType.FLOAT64, r.dtype());
    }


    /** A double in [0, 1) from two Philox words: ((hi >>> 5) << 26 | lo >>> 6) * 2^-53, as {@code Philox.unitDouble}. */
    private String unitDouble(String hiWord, String loWord) {
        String hi = asm.reg(RegClass.B64);
        String lo = asm.reg(RegClass.B64);
        String word = asm.reg(RegClass.B32);
        asm.op("shr", PtxType.U32, word, hiWord, 5);
        asm.cvt("", PtxType.U64, PtxType.U32, hi, word);
        asm.op("shl", PtxType.B64, hi, hi, 26);
        asm.op("shr", PtxType.U32, word, loWord, 6);
        asm.cvt("", PtxType.U64, PtxType.U32, lo, word);
        asm.op("or", PtxType.B64, hi, hi, lo);
        String unit = asm.reg(RegClass.F64);
        asm.cvt(".rn", PtxType.F64, PtxType.S64, unit, hi);
        asm.op("mul.rn", PtxType.F64, unit, unit, PtxMath.d(0x1.0p-53));
        return unit;
    }

    /** A float16 operation's result, computed in float32, rounded to float16. */
    String roundedIfHalf(String value, DType dtype) {
        if (dtype == DType.FLOAT16) {
            roundToHalf(value, DType.FLOAT32);
        }
        return value;
    }


    /** The untyped-bits type of a dtype's register: pred, b32 or b64. */
    static PtxType bits(DType dtype) {
        return switch (dtype) {
            case BOOL -> PtxType.PRED;
            case INT64, FLOAT64 -> PtxType.B64;
            case UINT8, INT32, FLOAT16, FLOAT32 -> PtxType.B32;
        };
    }

    static PtxType moveType(DType dtype) {
        return switch (dtype) {
            case UINT8, INT32 -> PtxType.U32;
            case INT64 -> PtxType.U64;
            case BOOL, FLOAT16, FLOAT32, FLOAT64 -> type(dtype);
        };
    }


    static String constant(Expr.Const c) {
        return switch (c.dtype()) {
            case FLOAT16, FLOAT32 -> String.format("0f%08X", Float.floatToRawIntBits((float) c.value()));
            case FLOAT64 -> String.format("0d%016X", Double.doubleToRawLongBits(c.value()));
            case UINT8 -> Long.toString(c.bits() & 0xff);
            case INT32 -> Integer.toString((int) c.bits());
            default -> Long.toString(c.bits());
        };
    }


    static String constant(DType dtype, long value) {
        return constant(Expr.Const.of(dtype, value));
    }


    /** The opcode of arithmetic on {@code dtype}: round-to-nearest on floats (which also forbids contraction into fma). */
    static String arith(String op, DType dtype) {
        if (dtype.isFloating()) {
            return op + ".rn";
        }
        return op.equals("mul") ? "mul.lo" : op;
    }


    void wrapUint8(String r, DType dtype) {
        if (dtype == DType.UINT8) {
            asm.op("and", PtxType.B32, r, r, 255);
        }
    }


    /** The float64 routine of each transcendental unary op (see {@link PtxMath}). */
    private static final java.util.Map<ScalarOp, java.util.function.BiFunction<PtxMath, String, String>> MATH_ROUTINES =
            java.util.Map.of(ScalarOp.EXP, PtxMath::exp, ScalarOp.EXPM1, PtxMath::expm1, ScalarOp.LOG, PtxMath::log,
                    ScalarOp.LOG1P, PtxMath::log1p, ScalarOp.TANH, PtxMath::tanh, ScalarOp.ERF, PtxMath::erf,
                    ScalarOp.NORMAL_CDF, PtxMath::normalCdf, ScalarOp.SIN, PtxMath::sin, ScalarOp.COS, PtxMath::cos);

    /** Operation {@code op} on {@code x} of dtype {@code t}, giving a {@code result}. */
    String unary(ScalarOp op, DType t, String x, DType result) {
        String r = newValue(result);
        boolean floating = t.isFloating();
        switch (op) {
            case NEG -> {
                if (t == DType.UINT8) {
                    asm.op("sub", PtxType.U32, r, 0, x);
                    wrapUint8(r, t);
                } else {
                    asm.op("neg", type(t), r, x);
                }
            }
            case ABS -> {
                if (floating) {
                    asm.op("abs", type(t), r, x);
                } else if (t == DType.UINT8) {
                    asm.op("mov", PtxType.U32, r, x);
                } else {
                    // max(x, -x): the most negative value stays itself, as Math.abs leaves it.
                    String negated = newValue(t);
                    asm.op("neg", type(t), negated, x);
                    asm.op("max", type(t), r, x, negated);
                }
            }
            case SIGN -> sign(t, x, r);
            case SQRT -> requireFloat(op, t, () -> asm.op("sqrt.rn", type(t), r, x));
            case FLOOR -> requireFloat(op, t, () -> asm.cvt(".rmi", type(t), type(t), r, x));
            case CEIL -> requireFloat(op, t, () -> asm.cvt(".rpi", type(t), type(t), r, x));
            case RINT -> requireFloat(op, t, () -> asm.cvt(".rni", type(t), type(t), r, x));
            case IS_NAN -> {
                if (floating) {
                    asm.op("setp.nan", type(t), r, x, x);
                } else {
                    asm.op("setp.ne", PtxType.U32, r, asRegister("0"), 0);
                }
            }
            case IS_FINITE -> {
                if (floating) {
                    String magnitude = newValue(t);
                    asm.op("abs", type(t), magnitude, x);
                    asm.op("setp.lt", type(t), r, magnitude, constant(Expr.Const.of(t, Double.POSITIVE_INFINITY)));
                } else {
                    asm.op("setp.eq", PtxType.U32, r, asRegister("0"), 0);
                }
            }
            case NOT -> {
                if (t == DType.BOOL) {
                    asm.op("not", PtxType.PRED, r, x);
                } else {
                    asm.op("not", bits(t), r, x);
                    wrapUint8(r, t);
                }
            }
            case EXP, EXPM1, LOG, LOG1P, TANH, ERF, NORMAL_CDF, SIN, COS -> requireFloat(op, t, () -> {
                String wide = convert(x, t, DType.FLOAT64);
                String y = MATH_ROUTINES.get(op).apply(math, wide);
                move(r, convert(y, DType.FLOAT64, t), t);
            });
            case ADD, SUB, MUL, DIV, FLOOR_DIV, FLOOR_MOD, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE, AND, OR, XOR ->
                    throw new IllegalArgumentException(op + " takes two operands");
        }
        return r;
    }


    void requireFloat(ScalarOp op, DType t, Runnable emit) {
        if (!t.isFloating()) {
            throw checks.unsupported(op.toString().toLowerCase() + " on " + t);
        }
        emit.run();
    }


    /** sign: -1, 0 or 1; floats keep zeros (with their sign) and NaN as they are. */
    void sign(DType t, String x, String r) {
        if (t.isFloating()) {
            String one = newValue(t);
            asm.op("mov", type(t), one, constant(Expr.Const.of(t, 1)));
            String signed = newValue(t);
            asm.op("copysign", type(t), signed, x, one);
            String keep = asm.reg(RegClass.PRED);
            asm.op("setp.equ", type(t), keep, x, constant(Expr.Const.of(t, 0)));
            asm.op("selp", type(t), r, x, signed, keep);
            return;
        }
        String positive = asm.reg(RegClass.PRED);
        String negative = asm.reg(RegClass.PRED);
        String zero = constant(Expr.Const.of(t, 0));
        asm.op("setp.gt", type(t), positive, x, zero);
        asm.op("setp.lt", type(t), negative, x, zero);
        asm.op("selp", type(t), r, 1, zero, positive);
        asm.opIf(negative, "mov", moveType(t), r, t == DType.UINT8 ? 255 : -1);
    }


    /** Operation {@code op} on {@code x} and {@code y} of dtype {@code t}, giving a {@code result}. */
    String binary(ScalarOp op, DType t, String x, String y, DType result) {
        String r = newValue(result);
        boolean floating = t.isFloating();
        switch (op) {
            case ADD, SUB, MUL -> {
                if (t == DType.BOOL) {
                    throw checks.unsupported(op.toString().toLowerCase() + " on bool");
                }
                asm.op(arith(op.toString().toLowerCase(), t), type(t), r, x, y);
                wrapUint8(r, t);
            }
            case DIV -> {
                if (floating) {
                    asm.op("div.rn", type(t), r, x, y);
                } else {
                    integerDivision(op, t, x, y, r);
                }
            }
            case FLOOR_DIV -> {
                if (floating) {
                    // In float64 and floored there, then rounded once, as the reference computes it.
                    String wide = convert(x, t, DType.FLOAT64);
                    String quotient = newValue(DType.FLOAT64);
                    asm.op("div.rn", PtxType.F64, quotient, wide, convert(y, t, DType.FLOAT64));
                    asm.cvt(".rmi", PtxType.F64, PtxType.F64, quotient, quotient);
                    move(r, convert(quotient, DType.FLOAT64, t), t);
                } else {
                    integerDivision(op, t, x, y, r);
                }
            }
            case FLOOR_MOD -> {
                if (floating) {
                    move(r, convert(math.floorMod(convert(x, t, DType.FLOAT64), convert(y, t, DType.FLOAT64)),
                            DType.FLOAT64, t), t);
                } else {
                    integerDivision(op, t, x, y, r);
                }
            }
            case MAX, MIN -> minMax(op, t, x, y, r);
            case EQ, NE, LT, LE, GT, GE -> compare(op, t, x, y, r);
            case AND, OR, XOR -> {
                String logic = op.toString().toLowerCase();
                asm.op(logic, bits(t), r, x, y);
            }
            case POW -> {
                if (floating) {
                    // float32 and float16 pow reach here only as float64 (see the cast in PtxKernelWriter).
                    move(r, math.powDouble(x, y), t);
                } else {
                    integerPower(t, x, y, r);
                }
            }
            case NEG, ABS, SIGN, EXP, EXPM1, LOG, LOG1P, SQRT, SIN, COS, TANH, ERF, NORMAL_CDF, FLOOR, CEIL, RINT, IS_NAN,
                 IS_FINITE, NOT -> throw new IllegalArgumentException(op + " takes one operand");
        }
        return r;
    }


    /**
     * Integer div (truncating), floor_div and floor_mod as Java computes them, failing on a zero
     * divisor with the CPU backend's message; a divisor of -1 is handled apart, since the hardware
     * result of MIN / -1 is unspecified while Java wraps it.
     */
    void integerDivision(ScalarOp op, DType t, String x, String y, String r) {
        String name = op == ScalarOp.DIV ? "div" : op == ScalarOp.FLOOR_DIV ? "floor_div" : "mod";
        String nonZero = asm.reg(RegClass.PRED);
        asm.op("setp.ne", type(t), nonZero, y, 0);
        checks.failUnless(nonZero, name + ": integer division by zero");
        String quotient = newValue(t);
        String remainder = newValue(t);
        asm.op("div", type(t), quotient, x, y);
        asm.op("rem", type(t), remainder, x, y);
        if (t != DType.UINT8) {
            String minusOne = asm.reg(RegClass.PRED);
            asm.op("setp.eq", type(t), minusOne, y, -1);
            String negated = newValue(t);
            asm.op("neg", type(t), negated, x);
            asm.op("selp", type(t), quotient, negated, quotient, minusOne);
            asm.op("selp", type(t), remainder, 0, remainder, minusOne);
            // Floor: when the remainder is nonzero and its sign differs from the divisor's.
            String signs = newValue(t);
            asm.op("xor", bits(t), signs, remainder, y);
            String differ = asm.reg(RegClass.PRED);
            asm.op("setp.lt", type(t), differ, signs, 0);
            String inexact = asm.reg(RegClass.PRED);
            asm.op("setp.ne", type(t), inexact, remainder, 0);
            asm.op("and", PtxType.PRED, differ, differ, inexact);
            if (op == ScalarOp.FLOOR_DIV) {
                asm.opIf(differ, "sub", type(t), quotient, quotient, 1);
            } else if (op == ScalarOp.FLOOR_MOD) {
                asm.opIf(differ, "add", type(t), remainder, remainder, y);
            }
        }
        move(r, op == ScalarOp.FLOOR_MOD ? remainder : quotient, t);
    }


    /**
     * base^exponent by squaring, wrapping in the dtype as the CPU backend's does; a negative exponent
     * is an error.
     */
    void integerPower(DType t, String base, String exponent, String r) {
        if (t != DType.UINT8) {
            String nonNegative = asm.reg(RegClass.PRED);
            asm.op("setp.ge", type(t), nonNegative, exponent, 0);
            checks.failUnless(nonNegative, "pow: integers to negative integer powers are not allowed");
        }
        String b = newValue(t);
        String e = newValue(t);
        move(b, base, t);
        move(e, exponent, t);
        asm.op("mov", moveType(t), r, 1);
        String top = asm.label();
        String end = asm.label();
        String done = asm.reg(RegClass.PRED);
        asm.mark(top);
        asm.op("setp.eq", type(t), done, e, 0);
        asm.braIf(done, end);
        String low = newValue(t);
        asm.op("and", bits(t), low, e, 1);
        String odd = asm.reg(RegClass.PRED);
        asm.op("setp.ne", type(t), odd, low, 0);
        asm.opIf(odd, arith("mul", t), type(t), r, r, b);
        asm.op(arith("mul", t), type(t), b, b, b);
        asm.op("shr", t == DType.INT64 ? PtxType.U64 : PtxType.U32, e, e, 1);
        asm.bra(top);
        asm.mark(end);
        wrapUint8(r, t);
    }


    /** Java's max and min: NaN if either operand is NaN, and +0.0 above -0.0. */
    void minMax(ScalarOp op, DType t, String x, String y, String r) {
        String name = op == ScalarOp.MAX ? "max" : "min";
        if (!t.isFloating()) {
            if (t == DType.BOOL) {
                asm.op(op == ScalarOp.MAX ? "or" : "and", PtxType.PRED, r, x, y);
            } else {
                asm.op(name, type(t), r, x, y);
            }
            return;
        }
        // Between equal values (only +0.0 and -0.0 differ), max takes the bits' and, min their or.
        PtxType bits = t == DType.FLOAT32 ? PtxType.B32 : PtxType.B64;
        RegClass intClass = t == DType.FLOAT32 ? RegClass.B32 : RegClass.B64;
        String m = newValue(t);
        asm.op(name, type(t), m, x, y);
        String xb = asm.reg(intClass);
        String yb = asm.reg(intClass);
        String zb = asm.reg(intClass);
        asm.op("mov", bits, xb, x);
        asm.op("mov", bits, yb, y);
        asm.op(op == ScalarOp.MAX ? "and" : "or", bits, zb, xb, yb);
        String zeros = newValue(t);
        asm.op("mov", bits, zeros, zb);
        String equal = asm.reg(RegClass.PRED);
        asm.op("setp.eq", type(t), equal, x, y);
        String chosen = newValue(t);
        asm.op("selp", type(t), chosen, zeros, m, equal);
        String nan = asm.reg(RegClass.PRED);
        asm.op("setp.nan", type(t), nan, x, y);
        String sum = newValue(t);
        asm.op("add.rn", type(t), sum, x, y);
        asm.op("selp", type(t), r, sum, chosen, nan);
    }


    void compare(ScalarOp op, DType t, String x, String y, String r) {
        if (t == DType.BOOL) {
            switch (op) {
                case EQ -> {
                    asm.op("xor", PtxType.PRED, r, x, y);
                    asm.op("not", PtxType.PRED, r, r);
                }
                case NE -> asm.op("xor", PtxType.PRED, r, x, y);
                case LT, LE, GT, GE -> throw checks.unsupported(op.toString().toLowerCase() + " on bool");
            }
            return;
        }
        // Ordered comparisons are false with a NaN operand; "not equal" is the unordered one, true with NaN.
        String cmp = op == ScalarOp.NE && t.isFloating() ? "neu" : op.toString().toLowerCase();
        asm.op("setp." + cmp, type(t), r, x, y);
    }


    void move(String to, String from, DType dtype) {
        asm.op("mov", moveType(dtype), to, from);
    }


    /** A value converted as the cast op converts: floats to integers truncate and saturate, NaN to 0. */
    String convert(String x, DType from, DType to) {
        if (from == to) {
            return x;
        }
        if (from == DType.FLOAT16) {
            // Exact in float32, where it is held.
            return convert(x, DType.FLOAT32, to);
        }
        if (to == DType.FLOAT16) {
            // Rounded once, from the source's own type, as the reference rounds a double to float16.
            String source = from.isFloating() ? x : convert(x, from, DType.FLOAT64);
            String r = newValue(to);
            String half = asm.reg(RegClass.B16);
            asm.op("cvt.rn.f16", type(from.isFloating() ? from : DType.FLOAT64), half, source);
            asm.cvt("", PtxType.F32, PtxType.F16, r, half);
            return r;
        }
        String r = newValue(to);
        if (to == DType.BOOL) {
            String cmp = from.isFloating() ? "neu" : "ne";
            asm.op("setp." + cmp, type(from), r, x, constant(Expr.Const.of(from, 0)));
            return r;
        }
        if (from == DType.BOOL) {
            asm.op("selp", type(to), r, constant(Expr.Const.of(to, 1)), constant(Expr.Const.of(to, 0)), x);
            return r;
        }
        if (to == DType.UINT8) {
            if (from.isFloating()) {
                // As cast defines it: NaN gives 0, otherwise clamp to [0, 255] and truncate.
                String wide = convert(x, from, DType.FLOAT64);
                String clamped = newValue(DType.FLOAT64);
                asm.op("min", PtxType.F64, clamped, wide, "0d406FE00000000000");
                asm.op("max", PtxType.F64, clamped, clamped, "0d0000000000000000");
                asm.cvt(".rzi", PtxType.U32, PtxType.F64, r, clamped);
                String nan = asm.reg(RegClass.PRED);
                asm.op("setp.nan", PtxType.F64, nan, wide, wide);
                asm.opIf(nan, "mov", PtxType.U32, r, 0);
                return r;
            }
            if (from == DType.INT64) {
                asm.cvt("", PtxType.U32, PtxType.U64, r, x);
            } else {
                asm.op("mov", PtxType.U32, r, x);
            }
            wrapUint8(r, to);
            return r;
        }
        PtxType source = from == DType.UINT8 ? PtxType.U32 : type(from);
        String rounding = "";
        if (to.isFloating() && !from.isFloating() || to == DType.FLOAT32 && from == DType.FLOAT64) {
            rounding = ".rn";
        } else if (!to.isFloating() && from.isFloating()) {
            rounding = ".rzi";
        }
        asm.cvt(rounding, type(to), source, r, x);
        if (from.isFloating() && !to.isFloating()) {
            // The hardware turns NaN into the most negative integer (measured on an H100); cast gives 0.
            String nan = asm.reg(RegClass.PRED);
            asm.op("setp.nan", type(from), nan, x, x);
            asm.opIf(nan, "mov", moveType(to), r, 0);
        }
        return r;
    }
}
