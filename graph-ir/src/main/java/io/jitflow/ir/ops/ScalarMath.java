package io.jitflow.ir.ops;

import io.jitflow.ir.EvalCall;

/** Scalar formulas that Java's Math lacks, written plainly enough to serve as the reference. */
public final class ScalarMath {
    private ScalarMath() {
    }

    /** 2 / sqrt(pi), the factor in erf (the CUDA backend uses the same constant, so the same series). */
    public static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    static final double SELU_SCALE = 1.0507009873554804934193349852946;

    /**
     * The error function, from the series erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)),
     * whose terms are all positive (no cancellation). Beyond |x| = 6, erf is 1 to double precision.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Math.abs(x) >= 6) {
            return Math.signum(x);
        }
        double term = x;
        double sum = x;
        double twoXSquared = 2 * x * x;
        for (int n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= twoXSquared / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
    }

    /** gelu: x * Phi(x), exactly or with the tanh approximation. */
    public static double gelu(double x, boolean approximate) {
        if (approximate) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** log(1 + exp(x)) without overflow. */
    public static double softplus(double x) {
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    public static double elu(double x, double alpha) {
        return x > 0 ? x : alpha * Math.expm1(x);
    }

    public static double selu(double x) {
        return SELU_SCALE * elu(x, SELU_ALPHA);
    }

    /** Floor modulo: the result has the divisor's sign, as TensorFlow's mod. */
    public static double floorMod(double a, double b) {
        double r = a % b;
        if (r != 0 && (r < 0) != (b < 0)) {
            r += b;
        }
        return r;
    }

    public static long floorDiv(long a, long b, EvalCall call) {
        return Math.floorDiv(a, nonZeroDivisor(b, call));
    }

    public static long floorMod(long a, long b, EvalCall call) {
        return Math.floorMod(a, nonZeroDivisor(b, call));
    }

    private static long nonZeroDivisor(long b, EvalCall call) {
        if (b == 0) {
            throw call.error("integer division by zero");
        }
        return b;
    }

    /** Integer power by squaring, wrapping on overflow; negative exponents are an error, as in TF. */
    public static long pow(long base, long exponent, EvalCall call) {
        return pow(base, exponent);
    }

    /** {@link #pow(long, long, EvalCall)} for compiled code, which has no call to name the op. */
    public static long pow(long base, long exponent) {
        if (exponent < 0) {
            throw new io.jitflow.ir.EvaluationException("pow: integers to negative integer powers are not allowed "
                    + "(exponent " + exponent + ")");
        }
        long result = 1;
        while (exponent > 0) {
            if ((exponent & 1) != 0) {
                result *= base;
            }
            base *= base;
            exponent >>= 1;
        }
        return result;
    }

    public static long sign(long x) {
        return Long.signum(x);
    }
}
