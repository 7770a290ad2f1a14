package io.jitflow.ir.kernel;

/**
 * The primitive scalar operations of the kernel expression language: what every backend must
 * implement. Elementwise ops are formulas over these (see {@link ScalarFormulas}). Floating
 * primitives compute in the expression's dtype; integer ones wrap to it (uint8 included); the
 * comparisons give bool.
 */
public enum ScalarOp {
    NEG(1), ABS(1), SIGN(1), EXP(1), EXPM1(1), LOG(1), LOG1P(1), SQRT(1), SIN(1), COS(1), TANH(1), ERF(1),
    /** Phi(x), the standard normal distribution function, accurate in its lower tail (gelu is x Phi(x)). */
    NORMAL_CDF(1),
    FLOOR(1), CEIL(1), RINT(1), IS_NAN(1), IS_FINITE(1), NOT(1),
    ADD(2), SUB(2), MUL(2),
    /** Float division; integer division truncating toward zero, an error when dividing by zero. */
    DIV(2),
    FLOOR_DIV(2),
    /** Modulo with the divisor's sign. */
    FLOOR_MOD(2),
    POW(2),
    /** NaN-propagating for floats. */
    MAX(2), MIN(2),
    EQ(2), NE(2), LT(2), LE(2), GT(2), GE(2), AND(2), OR(2), XOR(2);

    private final int arity;

    ScalarOp(int arity) {
        this.arity = arity;
    }

    public int arity() {
        return arity;
    }

    /** exp, log, tanh, pow and the like: computed by a routine of many steps, not one instruction. */
    public boolean isTranscendental() {
        return this == EXP || this == EXPM1 || this == LOG || this == LOG1P || this == SIN || this == COS
                || this == TANH || this == ERF || this == NORMAL_CDF || this == POW;
    }

    public boolean isComparison() {
        return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE
                || this == IS_NAN || this == IS_FINITE;
    }
}
