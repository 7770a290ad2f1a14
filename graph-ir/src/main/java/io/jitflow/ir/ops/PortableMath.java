package io.jitflow.ir.ops;

/**
 * log and cos computed with only correctly rounded operations, in an order the CUDA backend's
 * routines ({@code PtxMath}) repeat instruction for instruction, so that whatever uses them (the
 * Box-Muller transform of random_normal) gives the same bits on every backend. Both are within 2
 * ulp of {@link StrictMath}. The algorithms, and the constants they share with the PTX routines:
 *
 * <p>log splits off the exponent (scaling subnormals by 2^54 first), folds the mantissa m into
 * [sqrt(1/2), sqrt(2)) and sums 2 atanh(s) = 2s (1 + z/3 + ... + z^11/23) for s = (m-1)/(m+1),
 * z = s^2, then adds e ln2 in two parts. cos reduces x = n pi/2 + y with pi/2 in three 33-bit parts
 * (each n * part exact for n {@literal <} 2^20), carrying y as a double-double, and sums the sine or cosine
 * series of y picked and signed by n mod 4.
 */
public final class PortableMath {
    private PortableMath() {
    }

    /** ln2 rounded to double, and what is left of it. */
    public static final double LN2_HI = Double.longBitsToDouble(0x3FE62E42FEFA39EFL);
    public static final double LN2_LO = Double.longBitsToDouble(0x3C7ABC9E3B39803FL);
    /** pi/2 in three 33-bit parts and the rest (the Cody-Waite split). */
    public static final double PIO2_1 = Double.longBitsToDouble(0x3FF921FB54400000L);
    public static final double PIO2_2 = Double.longBitsToDouble(0x3DD0B4611A600000L);
    public static final double PIO2_3 = Double.longBitsToDouble(0x3BA3198A2E000000L);
    public static final double PIO2_3T = 8.47842766036889956997e-32;
    /** The largest |x| cos and sin reduce exactly: x / (pi/2) must stay below 2^20. */
    public static final double TRIG_LIMIT = 0x1p20;

    /** The natural logarithm: NaN below 0, -inf at 0. */
    public static double log(double x) {
        boolean subnormal = x < Double.MIN_NORMAL;
        double scaled = subnormal ? x * 0x1p54 : x;
        long bits = Double.doubleToRawLongBits(scaled);
        int e = (int) (bits >>> 52) & 2047;
        e = e - 1023 + (subnormal ? -54 : 0);
        double m = Double.longBitsToDouble(bits & 0x000F_FFFF_FFFF_FFFFL | 0x3FF0_0000_0000_0000L);
        if (m > Math.sqrt(2)) {
            m = m * 0.5;
            e += 1;
        }
        double f = m - 1;
        double s = f / (f + 2);
        double z = s * s;
        double series = 1.0 / 23;
        for (int n = 21; n >= 1; n -= 2) {
            series = Math.fma(series, z, 1.0 / n);
        }
        double logM = (s + s) * series;
        double r = Math.fma(e, LN2_HI, Math.fma(e, LN2_LO, logM));
        if (x == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (x < 0) {
            return Double.NaN;
        }
        return x == Double.POSITIVE_INFINITY || Double.isNaN(x) ? x : r;
    }

    /** The cosine, for |x| {@literal <} {@link #TRIG_LIMIT} (beyond it the reduction is not exact). */
    public static double cos(double x) {
        double magnitude = Math.abs(x);
        if (!(magnitude < Double.POSITIVE_INFINITY)) {
            return x - x;
        }
        if (magnitude >= TRIG_LIMIT) {
            throw new ArithmeticException("cos: |x| >= 2^20 is outside the exactly reduced range");
        }
        if (magnitude < 0x1p-27) {
            return 1;
        }
        double fn = Math.rint(x * (2 / Math.PI));
        int n = (int) fn;
        double minusFn = -fn;
        double r1 = Math.fma(minusFn, PIO2_1, x);
        double p2 = minusFn * PIO2_2;
        double s = r1 + p2;
        double e = twoSumError(r1, p2, s);
        double p3 = minusFn * PIO2_3;
        double s2 = s + p3;
        double e2 = twoSumError(s, p3, s2);
        double lo = Math.fma(minusFn, PIO2_3T, e + e2);
        double yh = s2 + lo;
        double yl = lo - (yh - s2);
        double z = yh * yh;
        int quadrant = n + 1;
        double r = (quadrant & 1) != 0 ? cosineSeries(yh, yl, z) : sineSeries(yh, yl, z);
        return (quadrant & 2) != 0 ? -r : r;
    }

    /** The rounding error of s = a + b (Knuth's two-sum). */
    private static double twoSumError(double a, double b, double s) {
        double bb = s - a;
        double aa = a - (s - bb);
        return aa + (b - bb);
    }

    /** sin(yh + yl) for |yh| <= pi/4: yh + (yh z P(z) + yl (1 - z/2)), P from -1/3! to -1/21!. */
    private static double sineSeries(double yh, double yl, double z) {
        double q = signedInverseFactorial(21);
        for (int k = 19; k >= 3; k -= 2) {
            q = Math.fma(q, z, signedInverseFactorial(k));
        }
        double correction = Math.fma(z, -0.5, 1) * yl;
        return yh + Math.fma(yh * z, q, correction);
    }

    /** cos(yh + yl) for |yh| <= pi/4: w + (((1 - w) - z/2) + (z^2 P(z) - yh yl)), w = 1 - z/2, P from 1/4! to 1/20!. */
    private static double cosineSeries(double yh, double yl, double z) {
        double q = signedInverseFactorial(20);
        for (int k = 18; k >= 4; k -= 2) {
            q = Math.fma(q, z, signedInverseFactorial(k));
        }
        double tail = Math.fma(z * z, q, -(yh * yl));
        double half = z * 0.5;
        double w = 1 - half;
        return w + (((1 - w) - half) + tail);
    }

    /** The Taylor coefficient of y^k in sin (odd k) or cos (even k): (-1)^(k/2) / k!. */
    public static double signedInverseFactorial(int k) {
        double factorial = 1;
        for (int i = 2; i <= k; i++) {
            factorial *= i;
        }
        return ((k / 2) % 2 == 0 ? 1 : -1) / factorial;
    }
}
