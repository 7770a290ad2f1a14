package io.jitflow.ir.ops;

import io.jitflow.ir.EvalCall;

/** Scalar formulas that Java's Math lacks, written plainly enough to serve as the reference. */
public final class ScalarMath {
    private ScalarMath() {
    }

    /** 2 / sqrt(pi), the factor in erf (the CUDA backend uses the same constant, so the same series). */
    public static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    /** SELU's constants (Klambauer et al.), used by the op, its formula and its gradient. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;

    private static final DoubleDouble TWO_OVER_SQRT_PI_DD = new DoubleDouble(TWO_OVER_SQRT_PI, 1.533545961316588e-17);
    private static final DoubleDouble INV_SQRT_PI = new DoubleDouble(0.5641895835477563, 7.66772980658294e-18);
    private static final DoubleDouble MINUS_INV_SQRT2 = new DoubleDouble(-0.7071067811865476, 4.833646656726457e-17);

    /**
     * The error function, correctly rounded but in rare cases (double-double arithmetic, about 106
     * bits, before the one rounding): the Maclaurin series for |x| {@literal <} 1, 1 - erfc(|x|) beyond.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x == 0) {
            return x; // erf(-0) = -0
        }
        if (Math.abs(x) < 1) {
            return erfNear0(DoubleDouble.of(x)).value();
        }
        if (Math.abs(x) >= 6) {
            return Math.signum(x); // erfc(6) < 2^-55: 1 - erfc rounds to 1
        }
        double magnitude = DoubleDouble.ONE.subtract(erfcFar(DoubleDouble.of(Math.abs(x)), DoubleDouble.ONE)).value();
        return Math.copySign(magnitude, x);
    }

    /** The complementary error function 1 - erf(x), accurate in both tails (as {@link #erf}). */
    public static double erfc(double x) {
        return Double.isNaN(x) ? x : erfcTimes(DoubleDouble.of(x), DoubleDouble.ONE).value();
    }

    /**
     * The standard normal distribution function Phi(x) = erfc(-x / sqrt 2) / 2, with -x / sqrt 2
     * kept to double-double precision: near x = -8 a double's rounding of it alone would cost 60 ulp.
     */
    public static double normalCdf(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return Double.isNaN(x) ? x : x > 0 ? 1 : 0;
        }
        return erfcTimes(MINUS_INV_SQRT2.multiply(x), DoubleDouble.of(0.5)).value();
    }

    /**
     * erfc(z) * factor: 1 - erf near 0 (no cancellation there), the continued fraction beyond (the
     * factor goes in before the exponential's scaling, so a product near the bottom of the double
     * range keeps its bits).
     */
    private static DoubleDouble erfcTimes(DoubleDouble z, DoubleDouble factor) {
        if (Double.isInfinite(z.hi())) {
            return DoubleDouble.of(z.hi() > 0 ? 0 : 2).multiply(factor);
        }
        if (Math.abs(z.hi()) < 1) {
            return DoubleDouble.ONE.subtract(erfNear0(z)).multiply(factor);
        }
        return z.hi() > 0 ? erfcFar(z, factor)
                : DoubleDouble.of(2).subtract(erfcFar(z.negate(), DoubleDouble.ONE)).multiply(factor);
    }

    /** erf(z) = 2/sqrt(pi) sum (-1)^n z^(2n+1) / (n! (2n+1)) for |z| < 1 (terms fall at least as 1/n!). */
    private static DoubleDouble erfNear0(DoubleDouble z) {
        DoubleDouble minusSquare = z.multiply(z).negate();
        DoubleDouble power = z;
        DoubleDouble sum = DoubleDouble.of(0);
        for (int n = 0; n < 60 && (n == 0 || Math.abs(power.hi()) > 1e-34 * Math.abs(sum.hi())); n++) {
            sum = sum.add(power.divide(DoubleDouble.of(2 * n + 1)));
            power = power.multiply(minusSquare).divide(DoubleDouble.of(n + 1));
        }
        return sum.multiply(TWO_OVER_SQRT_PI_DD);
    }

    /**
     * erfc(z) for z >= 1 from Laplace's continued fraction e^(-z^2) / sqrt(pi) / (z + (1/2) / (z +
     * (2/2) / (z + (3/2) / ...))), evaluated from the back with enough terms for 1e-19 (about
     * 400 / z^2; 380 at z = 1, 40 at z = 10).
     */
    private static DoubleDouble erfcFar(DoubleDouble z, DoubleDouble factor) {
        if (z.hi() > 40) {
            return DoubleDouble.of(0); // erfc(27.3) is below the smallest double already
        }
        int terms = (int) Math.min(500, 400 / (z.hi() * z.hi())) + 40;
        DoubleDouble t = z;
        for (int k = terms; k >= 1; k--) {
            t = z.add(DoubleDouble.of(k / 2.0).divide(t));
        }
        return z.multiply(z).negate().expTimes(factor.multiply(INV_SQRT_PI).divide(t));
    }

    /**
     * gelu: x * Phi(x), or the tanh approximation. Phi is rounded before the product (as compiled
     * code computes it), so the result is within 1 ulp for results in the normal range.
     */
    public static double gelu(double x, boolean approximate) {
        if (approximate) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }
        return x * normalCdf(x);
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
