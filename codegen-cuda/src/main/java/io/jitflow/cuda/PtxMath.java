package io.jitflow.cuda;

import io.jitflow.cuda.PtxAsm.PtxType;
import io.jitflow.cuda.PtxAsm.RegClass;
import io.jitflow.ir.ops.PortableMath;
import io.jitflow.ir.ops.ScalarMath;

/**
 * The math library routines the CUDA backend inlines, in float64 (float32 ops widen, call them and
 * round once). They use only correctly rounded instructions (add, mul, div, fma with {@code .rn},
 * conversions and bit operations), never the {@code .approx} ones, so that a GPU and the PTX
 * interpreter agree bit for bit; against the CPU's {@code Math} functions they differ by at most a
 * few units in the last place (see the README's CUDA section for the bounds the tests hold them to).
 *
 * <p>exp and expm1 reduce {@code x = k ln2 + r} with |r| ≤ ln2/2 and sum the Taylor series of
 * {@code (e^r - 1) / r} to the 14th factorial, then scale by 2^k in two steps so that a subnormal
 * result is rounded once; expm1 adds {@code 2^k - 1} exactly where that is representable. log
 * splits off the exponent, folds the mantissa into [√½, √2) and sums {@code 2 atanh(s)} for
 * {@code s = f / (2 + f)}; log1p corrects {@code log(1 + x)} by {@code x / ((1 + x) - 1)}; tanh is
 * {@code t / (t + 2)} with {@code t = expm1(2|x|)}. log and cos repeat {@link PortableMath}'s
 * operations one for one, so that random_normal, which the CPU computes with those, is bit-identical.
 */
final class PtxMath {
    private static final double LN2_HI = PortableMath.LN2_HI;
    private static final double LN2_LO = PortableMath.LN2_LO;
    private static final long MANTISSA_BITS = 0x000F_FFFF_FFFF_FFFFL;
    private static final long ONE_BITS = 0x3FF0_0000_0000_0000L;

    private final PtxAsm a;
    private final PtxScalarWriter.KernelChecks checks;

    PtxMath(PtxAsm asm, PtxScalarWriter.KernelChecks checks) {
        this.a = asm;
        this.checks = checks;
    }

    static String d(double v) {
        return String.format("0d%016X", Double.doubleToRawLongBits(v));
    }

    /** e^x. */
    String exp(String x) {
        Reduced red = reduce(x);
        String p = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, p, red.r, seriesOfExpm1OverR(red.r), d(1));
        return keepNaN(x, scale(p, red.k));
    }

    /** e^x - 1, accurate near 0. */
    String expm1(String x) {
        Reduced red = reduce(x);
        String q = seriesOfExpm1OverR(red.r);
        String em1 = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, em1, red.r, q);
        // Where |k| <= 53, 2^k - 1 is exact and 2^k (e^r - 1) + (2^k - 1) is rounded once.
        String kc = a.reg(RegClass.B32);
        a.op("max", PtxType.S32, kc, red.k, -60);
        a.op("min", PtxType.S32, kc, kc, 60);
        String t = powerOfTwo(kc);
        String tm1 = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, tm1, t, d(1));
        String near = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, near, t, em1, tm1);
        // Elsewhere e^x - 1 loses nothing that matters.
        String p = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, p, em1, d(1));
        String far = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, far, scale(p, red.k), d(1));
        String above = a.reg(RegClass.PRED);
        String below = a.reg(RegClass.PRED);
        a.op("setp.le", PtxType.S32, above, red.k, 53);
        a.op("setp.ge", PtxType.S32, below, red.k, -53);
        a.op("and", PtxType.PRED, above, above, below);
        String r = a.reg(RegClass.F64);
        a.op("selp", PtxType.F64, r, near, far, above);
        return keepNaN(x, keepTiny(x, 0x1p-54, r));
    }

    /** The natural logarithm: NaN below 0, -inf at 0. */
    String log(String x) {
        String[] em = exponentAndMantissa(x);
        String e = em[0];
        String m = em[1];
        String f = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, f, m, d(1));
        String denominator = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, denominator, f, d(2));
        String s = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, s, f, denominator);
        String z = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, z, s, s);
        // 1 + z/3 + z^2/5 + ... + z^11/23, for |s| <= 0.1716
        String series = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, series, d(1.0 / 23));
        for (int n = 21; n >= 1; n -= 2) {
            a.op("fma.rn", PtxType.F64, series, series, z, d(1.0 / n));
        }
        String twoS = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, twoS, s, s);
        String logM = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, logM, twoS, series);
        String ed = a.reg(RegClass.F64);
        a.cvt(".rn", PtxType.F64, PtxType.S32, ed, e);
        String r = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, r, ed, d(LN2_LO), logM);
        a.op("fma.rn", PtxType.F64, r, ed, d(LN2_HI), r);
        String p = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, p, x, d(0));
        a.op("selp", PtxType.F64, r, d(Double.NEGATIVE_INFINITY), r, p);
        a.op("setp.lt", PtxType.F64, p, x, d(0));
        a.op("selp", PtxType.F64, r, d(Double.NaN), r, p);
        a.op("setp.eq", PtxType.F64, p, x, d(Double.POSITIVE_INFINITY));
        a.op("selp", PtxType.F64, r, x, r, p);
        return keepNaN(x, r);
    }

    /**
     * x = 2^e m with m in [sqrt(1/2), sqrt(2)), for positive finite x (subnormals are scaled into the
     * normal range first): {e (s32), m (f64)}.
     */
    private String[] exponentAndMantissa(String x) {
        String[] eb = exponentAndBits(x);
        String e = eb[0];
        String bits = eb[1];
        String mantissa = a.reg(RegClass.B64);
        a.op("and", PtxType.B64, mantissa, bits, MANTISSA_BITS);
        a.op("or", PtxType.B64, mantissa, mantissa, ONE_BITS);
        String m = a.reg(RegClass.F64);
        a.op("mov", PtxType.B64, m, mantissa);
        // m in [1, 2), folded into [sqrt(1/2), sqrt(2)).
        String high = a.reg(RegClass.PRED);
        a.op("setp.gt", PtxType.F64, high, m, d(Math.sqrt(2)));
        String half = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, half, m, d(0.5));
        a.op("selp", PtxType.F64, m, half, m, high);
        String carry = a.reg(RegClass.B32);
        a.op("selp", PtxType.S32, carry, 1, 0, high);
        a.op("add", PtxType.S32, e, e, carry);
        return new String[] {e, m};
    }

    /** log(1 + x), accurate near 0. */
    String log1p(String x) {
        String u = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, u, x, d(1));
        String um1 = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, um1, u, d(1));
        String ratio = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, ratio, x, um1);
        String r = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, r, log(u), ratio);
        // Where 1 + x rounds to 1, log1p(x) rounds to x; at +inf the ratio is NaN.
        String p = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, p, um1, d(0));
        a.op("selp", PtxType.F64, r, x, r, p);
        a.op("setp.eq", PtxType.F64, p, x, d(Double.POSITIVE_INFINITY));
        a.op("selp", PtxType.F64, r, x, r, p);
        return r;
    }

    /** The hyperbolic tangent. */
    String tanh(String x) {
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        // tanh(22) rounds to 1, and beyond it t / (t + 2) would overflow to inf / inf.
        a.op("min", PtxType.F64, magnitude, magnitude, d(22));
        String twice = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, twice, magnitude, magnitude);
        String t = expm1(twice);
        String denominator = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, denominator, t, d(2));
        String q = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, q, t, denominator);
        String r = a.reg(RegClass.F64);
        a.op("copysign", PtxType.F64, r, x, q);
        return keepNaN(x, keepTiny(x, 0x1p-28, r));
    }

    /**
     * The error function: for |x| < 0.7 its Maclaurin series 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1))
     * until a term falls below 1e-17 of the sum; for 0.7 <= |x| < 6, sign(x) (1 - erfc(|x|)) from the
     * continued fraction, with e^(-x^2) from x^2 split exactly in two; beyond, sign(x).
     */
    String erf(String x) {
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        String one = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, one, d(1));
        String r = a.reg(RegClass.F64);
        a.op("copysign", PtxType.F64, r, x, one);
        String far = a.reg(RegClass.PRED);
        String mid = a.reg(RegClass.PRED);
        String done = a.label();
        String fraction = a.label();
        // NaN counts as far, so that it never enters a loop (keepNaN returns it).
        a.op("setp.geu", PtxType.F64, far, magnitude, d(6));
        a.braIf(far, done);
        a.op("setp.ge", PtxType.F64, mid, magnitude, d(0.7));
        a.braIf(mid, fraction);
        // sum of (-1)^n x^(2n+1) / (n! (2n+1)) while a term exceeds 1e-17 of the sum: power *= -x^2 / n
        String power = a.reg(RegClass.F64);
        String sum = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, power, x);
        a.op("mov", PtxType.F64, sum, x);
        String minusSquare = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, minusSquare, x, x);
        a.op("neg", PtxType.F64, minusSquare, minusSquare);
        String n = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, n, d(1));
        String loop = a.label();
        String summed = a.label();
        String small = a.reg(RegClass.PRED);
        String limit = a.reg(RegClass.F64);
        String term = a.reg(RegClass.F64);
        String size = a.reg(RegClass.F64);
        a.mark(loop);
        a.op("mul.rn", PtxType.F64, power, power, minusSquare);
        a.op("div.rn", PtxType.F64, power, power, n);
        a.op("fma.rn", PtxType.F64, term, n, d(2), d(1));
        a.op("div.rn", PtxType.F64, term, power, term);
        a.op("add.rn", PtxType.F64, sum, sum, term);
        a.op("add.rn", PtxType.F64, n, n, d(1));
        a.op("abs", PtxType.F64, size, term);
        a.op("abs", PtxType.F64, limit, sum);
        a.op("mul.rn", PtxType.F64, limit, limit, d(1e-17));
        a.op("setp.gt", PtxType.F64, small, size, limit);
        a.braIf(small, loop);
        a.mark(summed);
        a.op("mul.rn", PtxType.F64, r, sum, d(ScalarMath.TWO_OVER_SQRT_PI));
        String zero = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, zero, x, d(0));
        a.op("selp", PtxType.F64, r, x, r, zero); // erf(-0) = -0
        a.bra(done);
        a.mark(fraction);
        String complement = erfcContinuedFraction(magnitude, expOfMinusSquare(x, 1));
        a.op("sub.rn", PtxType.F64, complement, one, complement);
        a.op("copysign", PtxType.F64, r, x, complement);
        a.mark(done);
        return keepNaN(x, r);
    }

    /**
     * erfc(z) for z >= 0.7 given e^(-z^2): Laplace's continued fraction e^(-z^2) / sqrt(pi) / (z +
     * (1/2) / (z + (2/2) / (z + ...))), evaluated from the back with min(1000, 400 / z^2) + 40 terms.
     */
    private String erfcContinuedFraction(String z, String expOfMinusZSquared) {
        String k = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, k, z, z);
        a.op("div.rn", PtxType.F64, k, d(400), k);
        a.op("min", PtxType.F64, k, k, d(1000));
        a.cvt(".rmi", PtxType.F64, PtxType.F64, k, k);
        a.op("add.rn", PtxType.F64, k, k, d(40));
        String t = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, t, z);
        String loop = a.label();
        String more = a.reg(RegClass.PRED);
        String half = a.reg(RegClass.F64);
        a.mark(loop);
        a.op("mul.rn", PtxType.F64, half, k, d(0.5));
        a.op("div.rn", PtxType.F64, half, half, t);
        a.op("add.rn", PtxType.F64, t, z, half);
        a.op("sub.rn", PtxType.F64, k, k, d(1));
        a.op("setp.ge", PtxType.F64, more, k, d(1));
        a.braIf(more, loop);
        String r = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, r, expOfMinusZSquared, d(1 / Math.sqrt(Math.PI)));
        a.op("div.rn", PtxType.F64, r, r, t);
        return r;
    }

    /** e^(-s x^2), s a power of two: x^2 = hi + lo exactly (fma), e^(-s hi) (1 - s lo); 0 once x^2 overflows. */
    private String expOfMinusSquare(String x, double s) {
        String hi = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, hi, x, x);
        String lo = a.reg(RegClass.F64);
        String minusHi = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minusHi, hi);
        a.op("fma.rn", PtxType.F64, lo, x, x, minusHi);
        a.op("mul.rn", PtxType.F64, minusHi, minusHi, d(s));
        a.op("mul.rn", PtxType.F64, lo, lo, d(-s));
        String e = exp(minusHi);
        String r = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, r, e, lo, e);
        String overflow = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, overflow, hi, d(Double.POSITIVE_INFINITY));
        a.op("selp", PtxType.F64, r, d(0), r, overflow);
        return r;
    }

    /**
     * Phi(x), the standard normal distribution function: (1 + erf(x / sqrt 2)) / 2 where z = -x / sqrt 2
     * is below 0.7 (Phi above 0.16: erf's error at most doubles); beyond, erfc(z) / 2 from the
     * continued fraction, with e^(-z^2) = e^(-x^2 / 2) from the exact square of x (a rounded z
     * would cost up to 60 ulp near x = -8).
     */
    String normalCdf(String x) {
        String z = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, z, x, d(-Math.sqrt(0.5)));
        String lowerTail = a.reg(RegClass.PRED);
        a.op("setp.ge", PtxType.F64, lowerTail, z, d(0.7));
        String result = a.reg(RegClass.F64);
        String tail = a.label();
        String done = a.label();
        a.braIf(lowerTail, tail);
        String scaled = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, scaled, x, d(Math.sqrt(0.5)));
        a.op("add.rn", PtxType.F64, result, erf(scaled), d(1));
        a.op("mul.rn", PtxType.F64, result, result, d(0.5));
        a.bra(done);
        a.mark(tail);
        a.op("mul.rn", PtxType.F64, result, erfcContinuedFraction(z, expOfMinusSquare(x, 0.5)), d(0.5));
        a.mark(done);
        return result;
    }

    /**
     * x^y as {@code Math.pow} defines it, computed as e^(y log|x|) with the sign of an odd integer
     * power: its relative error is about |y log|x|| 2^-51, far below a float32 or float16 ulp for
     * every result in their range, so the backend uses it for those dtypes only. Special values
     * follow Math.pow: y = 0 gives 1, y = 1 gives x, a negative finite x with a finite non-integer
     * y gives NaN; zeros, infinities and |x| = 1 with an infinite y come out of the logarithm and
     * exponential as Math.pow's rules say.
     */
    String pow(String x, String y) {
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        String exponent = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, exponent, y, log(magnitude));
        String r = exp(exponent);
        // y an integer: finite and equal to its rounding; odd: half of it is not an integer.
        String rounded = a.reg(RegClass.F64);
        a.cvt(".rni", PtxType.F64, PtxType.F64, rounded, y);
        String integer = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, integer, rounded, y);
        String yMagnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, yMagnitude, y);
        String finiteY = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, finiteY, yMagnitude, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, integer, integer, finiteY);
        String half = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, half, y, d(0.5));
        String halfRounded = a.reg(RegClass.F64);
        a.cvt(".rni", PtxType.F64, PtxType.F64, halfRounded, half);
        String odd = a.reg(RegClass.PRED);
        a.op("setp.ne", PtxType.F64, odd, halfRounded, half);
        a.op("and", PtxType.PRED, odd, odd, integer);
        String signBits = a.reg(RegClass.B64);
        a.op("mov", PtxType.B64, signBits, x);
        String negativeX = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.S64, negativeX, signBits, 0);
        String flip = a.reg(RegClass.PRED);
        a.op("and", PtxType.PRED, flip, odd, negativeX);
        String negated = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, negated, r);
        a.op("selp", PtxType.F64, r, negated, r, flip);
        // A negative finite base with a finite non-integer power has no real value.
        String noReal = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, noReal, x, d(0));
        String finiteX = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, finiteX, magnitude, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, noReal, noReal, finiteX);
        a.op("and", PtxType.PRED, noReal, noReal, finiteY);
        String fraction = a.reg(RegClass.PRED);
        a.op("not", PtxType.PRED, fraction, integer);
        a.op("and", PtxType.PRED, noReal, noReal, fraction);
        a.op("selp", PtxType.F64, r, d(Double.NaN), r, noReal);
        String p = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, p, y, d(1));
        a.op("selp", PtxType.F64, r, x, r, p);
        a.op("setp.eq", PtxType.F64, p, y, d(0));
        a.op("selp", PtxType.F64, r, d(1), r, p);
        return r;
    }

    /**
     * x^y in float64, to within about an ulp: {@link #pow}'s e^(y log|x|) loses |y log|x|| 2^-52 to
     * the rounding of the logarithm, so here log|x| is a double-double (to about 2^-66), y log|x| is
     * formed exactly as a double-double, and e^(hi + lo) = e^hi (1 + lo). Special values, signs and
     * results that overflow or underflow are {@link #pow}'s.
     */
    String powDouble(String x, String y) {
        String plain = pow(x, y);
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        String[] log = logDoubleDouble(magnitude);
        String[] w = twoProduct(y, log[0]);
        a.op("fma.rn", PtxType.F64, w[1], y, log[1], w[1]);
        String wHi = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, wHi, w[0], w[1]);
        String wLo = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, wLo, wHi, w[0]);
        a.op("sub.rn", PtxType.F64, wLo, w[1], wLo);
        String r = exp(wHi);
        String corrected = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, corrected, r, wLo, r);
        // Only where x is finite and nonzero and the result is finite and nonzero (the rest is plain's).
        String use = a.reg(RegClass.PRED);
        String p = a.reg(RegClass.PRED);
        a.op("setp.gt", PtxType.F64, use, magnitude, d(0));
        a.op("setp.lt", PtxType.F64, p, magnitude, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, use, use, p);
        String size = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, size, plain);
        a.op("setp.gt", PtxType.F64, p, size, d(0));
        a.op("and", PtxType.PRED, use, use, p);
        a.op("setp.lt", PtxType.F64, p, size, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, use, use, p);
        a.op("setp.gt", PtxType.F64, p, corrected, d(0));
        a.op("and", PtxType.PRED, use, use, p);
        a.op("setp.lt", PtxType.F64, p, corrected, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, use, use, p);
        a.op("setp.ne", PtxType.F64, p, y, d(1));
        a.op("and", PtxType.PRED, use, use, p);
        String signed = a.reg(RegClass.F64);
        a.op("copysign", PtxType.F64, signed, plain, corrected);
        String result = a.reg(RegClass.F64);
        a.op("selp", PtxType.F64, result, signed, plain, use);
        return result;
    }

    /**
     * log of a positive finite x as a double-double {hi, lo}: x = 2^e m, s = (m - 1)/(m + 1) and
     * u = 2s carried as double-doubles, log m = u + u^3/12 + (u^5/80 + u^7/448 + ...) with the cube
     * term as a double-double too (it is up to 1% of the result), then e ln2 added with ln2 in two parts.
     */
    private String[] logDoubleDouble(String x) {
        String[] em = exponentAndMantissa(x);
        String m = em[1];
        String f = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, f, m, d(1));
        String one = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, one, d(1));
        String[] denominator = twoSum(m, one);
        String sHi = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, sHi, f, denominator[0]);
        String minusS = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minusS, sHi);
        String residual = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, residual, minusS, denominator[0], f);
        a.op("fma.rn", PtxType.F64, residual, minusS, denominator[1], residual);
        String sLo = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, sLo, residual, denominator[0]);
        String uHi = a.reg(RegClass.F64);
        String uLo = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, uHi, sHi, sHi);
        a.op("add.rn", PtxType.F64, uLo, sLo, sLo);
        // u^3 / 12 as a double-double
        String[] square = twoProduct(uHi, uHi);
        String[] cube = twoProduct(square[0], uHi);
        a.op("fma.rn", PtxType.F64, cube[1], square[1], uHi, cube[1]);
        String tHi = a.reg(RegClass.F64);
        a.op("div.rn", PtxType.F64, tHi, cube[0], d(12));
        String minusT = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minusT, tHi);
        String tLo = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, tLo, minusT, d(12), cube[0]);
        a.op("add.rn", PtxType.F64, tLo, tLo, cube[1]);
        a.op("div.rn", PtxType.F64, tLo, tLo, d(12));
        // the rest: u^5 sum_{k>=2} (u^2)^(k-2) / ((2k + 1) 4^k), enough terms for |u| <= 0.35
        String q = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, q, d(atanhCoefficient(14)));
        for (int k = 13; k >= 2; k--) {
            a.op("fma.rn", PtxType.F64, q, q, square[0], d(atanhCoefficient(k)));
        }
        String rest = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, rest, square[0], square[0]);
        a.op("mul.rn", PtxType.F64, rest, rest, uHi);
        a.op("mul.rn", PtxType.F64, rest, rest, q);
        String[] logM = twoSum(uHi, tHi);
        // u_lo's share of the cube term: 3 u^2 u_lo / 12
        String cross = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, cross, square[0], uLo);
        a.op("fma.rn", PtxType.F64, rest, cross, d(0.25), rest);
        String tail = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, tail, uLo, tLo);
        a.op("add.rn", PtxType.F64, tail, tail, rest);
        a.op("add.rn", PtxType.F64, logM[1], logM[1], tail);
        String ed = a.reg(RegClass.F64);
        a.cvt(".rn", PtxType.F64, PtxType.S32, ed, em[0]);
        String[] eln2 = twoProduct(ed, d(LN2_HI));
        a.op("fma.rn", PtxType.F64, eln2[1], ed, d(LN2_LO), eln2[1]);
        String[] sum = twoSum(eln2[0], logM[0]);
        a.op("add.rn", PtxType.F64, eln2[1], eln2[1], logM[1]);
        a.op("add.rn", PtxType.F64, sum[1], sum[1], eln2[1]);
        String hi = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, hi, sum[0], sum[1]);
        String lo = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, lo, hi, sum[0]);
        a.op("sub.rn", PtxType.F64, lo, sum[1], lo);
        return new String[] {hi, lo};
    }

    /** The coefficient of u^(2k+1) in 2 atanh(u/2): 1 / ((2k + 1) 4^k). */
    private static double atanhCoefficient(int k) {
        return 1 / ((2 * k + 1) * Math.pow(4, k));
    }

    /** (p, e) with p = x y rounded and p + e = x y exactly. */
    private String[] twoProduct(String x, String y) {
        String product = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, product, x, y);
        String minus = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minus, product);
        String error = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, error, x, y, minus);
        return new String[] {product, error};
    }

    /**
     * floor_mod on floats, as the reference computes it: r = a % b (Java's remainder, exact, with a's
     * sign), then r + b where r is nonzero and its sign differs from b's. The remainder is found by
     * exact long division: while |r| >= |b|, subtract the largest |b| 2^k that fits, which is exact
     * (it is at least half of |r|).
     */
    String floorMod(String x, String y) {
        String r = a.reg(RegClass.F64);
        String m = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, r, x);
        a.op("abs", PtxType.F64, m, y);
        String top = a.label();
        String done = a.label();
        a.mark(top);
        String finished = a.reg(RegClass.PRED);
        // Also stops at once for a NaN, an infinite dividend or a zero or infinite divisor.
        a.op("setp.ltu", PtxType.F64, finished, r, m);
        String divisorNotFinite = a.reg(RegClass.PRED);
        a.op("setp.equ", PtxType.F64, divisorNotFinite, m, d(Double.POSITIVE_INFINITY));
        a.op("or", PtxType.PRED, finished, finished, divisorNotFinite);
        String zeroDivisor = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, zeroDivisor, m, d(0));
        a.op("or", PtxType.PRED, finished, finished, zeroDivisor);
        String dividendNotFinite = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, dividendNotFinite, r, d(Double.POSITIVE_INFINITY));
        a.op("or", PtxType.PRED, finished, finished, dividendNotFinite);
        a.braIf(finished, done);
        String k = a.reg(RegClass.B32);
        a.op("sub", PtxType.S32, k, exponent(r), exponent(m));
        String t = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, t, m);
        // t = m 2^k, in steps of at most 2^1000 so every factor is a normal double.
        String chunk = a.label();
        String scaled = a.label();
        String big = a.reg(RegClass.PRED);
        a.mark(chunk);
        a.op("setp.le", PtxType.S32, big, k, 1000);
        a.braIf(big, scaled);
        a.op("mul.rn", PtxType.F64, t, t, d(0x1p1000));
        a.op("sub", PtxType.S32, k, k, 1000);
        a.bra(chunk);
        a.mark(scaled);
        a.op("mul.rn", PtxType.F64, t, t, powerOfTwo(k));
        String over = a.reg(RegClass.PRED);
        a.op("setp.gt", PtxType.F64, over, t, r);
        String halved = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, halved, t, d(0.5));
        a.op("selp", PtxType.F64, t, halved, t, over);
        a.op("sub.rn", PtxType.F64, r, r, t);
        a.bra(top);
        a.mark(done);
        // The remainder takes x's sign; NaN where x is infinite or NaN, y is zero or NaN; x where y is infinite.
        String remainder = a.reg(RegClass.F64);
        a.op("copysign", PtxType.F64, remainder, x, r);
        String nan = a.reg(RegClass.PRED);
        a.op("setp.equ", PtxType.F64, nan, r, d(Double.POSITIVE_INFINITY));
        String zeroOrNaN = a.reg(RegClass.PRED);
        a.op("setp.equ", PtxType.F64, zeroOrNaN, m, d(0));
        a.op("or", PtxType.PRED, nan, nan, zeroOrNaN);
        a.op("selp", PtxType.F64, remainder, d(Double.NaN), remainder, nan);
        String keep = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, keep, m, d(Double.POSITIVE_INFINITY));
        String finiteX = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, finiteX, r, d(Double.POSITIVE_INFINITY));
        a.op("and", PtxType.PRED, keep, keep, finiteX);
        a.op("selp", PtxType.F64, remainder, x, remainder, keep);
        // floor_mod: a nonzero remainder whose sign differs from y's moves by y.
        String nonzero = a.reg(RegClass.PRED);
        a.op("setp.ne", PtxType.F64, nonzero, remainder, d(0));
        String negativeR = a.reg(RegClass.PRED);
        String negativeY = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, negativeR, remainder, d(0));
        a.op("setp.lt", PtxType.F64, negativeY, y, d(0));
        String differ = a.reg(RegClass.PRED);
        a.op("xor", PtxType.PRED, differ, negativeR, negativeY);
        a.op("and", PtxType.PRED, differ, differ, nonzero);
        String moved = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, moved, remainder, y);
        a.op("selp", PtxType.F64, remainder, moved, remainder, differ);
        return remainder;
    }

    /** The binary exponent of a positive finite v (subnormals scaled by 2^54 first). */
    private String exponent(String v) {
        return exponentAndBits(v)[0];
    }

    /**
     * For positive x: its binary exponent e and the bits of x as the exponent was read from them
     * (a subnormal is scaled by 2^54 first, and e corrected for it): {e (s32), bits (b64)}.
     */
    private String[] exponentAndBits(String x) {
        String subnormal = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, subnormal, x, d(Double.MIN_NORMAL));
        String scaled = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, scaled, x, d(0x1p54));
        a.op("selp", PtxType.F64, scaled, scaled, x, subnormal);
        String bits = a.reg(RegClass.B64);
        a.op("mov", PtxType.B64, bits, scaled);
        String exponentBits = a.reg(RegClass.B64);
        a.op("shr", PtxType.U64, exponentBits, bits, 52);
        String e = a.reg(RegClass.B32);
        a.cvt("", PtxType.U32, PtxType.U64, e, exponentBits);
        a.op("and", PtxType.B32, e, e, 2047);
        a.op("sub", PtxType.S32, e, e, 1023);
        String adjust = a.reg(RegClass.B32);
        a.op("selp", PtxType.S32, adjust, -54, 0, subnormal);
        a.op("add", PtxType.S32, e, e, adjust);
        return new String[] {e, bits};
    }

    private static final double TRIG_LIMIT = PortableMath.TRIG_LIMIT;
    private static final double PIO2_1 = PortableMath.PIO2_1;
    private static final double PIO2_2 = PortableMath.PIO2_2;
    private static final double PIO2_3 = PortableMath.PIO2_3;
    private static final double PIO2_3T = PortableMath.PIO2_3T;

    /** The sine; |x| of 2^20 and more is a run-time error (see {@link #TRIG_LIMIT}). */
    String sin(String x) {
        return trig(x, true);
    }

    /** The cosine; |x| of 2^20 and more is a run-time error (see {@link #TRIG_LIMIT}). */
    String cos(String x) {
        return trig(x, false);
    }

    /**
     * x = n pi/2 + y with y carried as a double-double (y_hi + y_lo), then the sine or cosine
     * series of y (to the 21st and 20th power, enough for |y| <= pi/4), picked and signed by the
     * quadrant n mod 4.
     */
    private String trig(String x, boolean sine) {
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        String inRange = a.reg(RegClass.PRED);
        // NaN and infinities pass here (and give NaN below); finite values must be under the limit.
        a.op("setp.ltu", PtxType.F64, inRange, magnitude, d(TRIG_LIMIT));
        String infinite = a.reg(RegClass.PRED);
        a.op("setp.eq", PtxType.F64, infinite, magnitude, d(Double.POSITIVE_INFINITY));
        a.op("or", PtxType.PRED, inRange, inRange, infinite);
        checks.failUnless(inRange, (sine ? "sin" : "cos") + ": |x| >= 2^20 is not supported by the CUDA backend yet");
        String xc = a.reg(RegClass.F64);
        a.op("min", PtxType.F64, xc, x, d(TRIG_LIMIT));
        a.op("max", PtxType.F64, xc, xc, d(-TRIG_LIMIT));
        String fn = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, fn, xc, d(2 / Math.PI));
        a.cvt(".rni", PtxType.F64, PtxType.F64, fn, fn);
        String n = a.reg(RegClass.B32);
        a.cvt(".rzi", PtxType.S32, PtxType.F64, n, fn);
        String minusFn = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minusFn, fn);
        String r1 = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, r1, minusFn, d(PIO2_1), xc);
        String p2 = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, p2, minusFn, d(PIO2_2));
        String[] first = twoSum(r1, p2);
        String p3 = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, p3, minusFn, d(PIO2_3));
        String[] second = twoSum(first[0], p3);
        String lo = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, lo, first[1], second[1]);
        a.op("fma.rn", PtxType.F64, lo, minusFn, d(PIO2_3T), lo);
        String yh = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, yh, second[0], lo);
        String yl = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, yl, yh, second[0]);
        a.op("sub.rn", PtxType.F64, yl, lo, yl);
        String z = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, z, yh, yh);
        String sinY = sineSeries(yh, yl, z);
        String cosY = cosineSeries(yh, yl, z);
        // sin: S, C, -S, -C for n mod 4 = 0..3; cos: C, -S, -C, S (the sine's pattern one quadrant on).
        String quadrant = a.reg(RegClass.B32);
        if (sine) {
            a.op("mov", PtxType.U32, quadrant, n);
        } else {
            a.op("add", PtxType.S32, quadrant, n, 1);
        }
        String bit = a.reg(RegClass.B32);
        String odd = a.reg(RegClass.PRED);
        a.op("and", PtxType.B32, bit, quadrant, 1);
        a.op("setp.ne", PtxType.S32, odd, bit, 0);
        String r = a.reg(RegClass.F64);
        a.op("selp", PtxType.F64, r, cosY, sinY, odd);
        String negative = a.reg(RegClass.PRED);
        a.op("and", PtxType.B32, bit, quadrant, 2);
        a.op("setp.ne", PtxType.S32, negative, bit, 0);
        String negated = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, negated, r);
        a.op("selp", PtxType.F64, r, negated, r, negative);
        String tiny = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, tiny, magnitude, d(0x1p-27));
        a.op("selp", PtxType.F64, r, (sine ? x : d(1)), r, tiny);
        // inf - inf and NaN - NaN are NaN.
        String notFinite = a.reg(RegClass.PRED);
        a.op("setp.equ", PtxType.F64, notFinite, magnitude, d(Double.POSITIVE_INFINITY));
        String nan = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, nan, x, x);
        a.op("selp", PtxType.F64, r, nan, r, notFinite);
        return r;
    }

    /** (s, e) with s = a + b rounded and s + e = a + b exactly (Knuth's two-sum). */
    private String[] twoSum(String x, String y) {
        String s = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, s, x, y);
        String yy = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, yy, s, x);
        String xx = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, xx, s, yy);
        String e = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, xx, x, xx);
        a.op("sub.rn", PtxType.F64, e, y, yy);
        a.op("add.rn", PtxType.F64, e, xx, e);
        return new String[] {s, e};
    }

    /** sin(yh + yl) = yh + (yh z P(z) + yl (1 - z/2)), P the series' coefficients from -1/3! to -1/21!. */
    private String sineSeries(String yh, String yl, String z) {
        String q = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, q, d(PortableMath.signedInverseFactorial(21)));
        for (int k = 19; k >= 3; k -= 2) {
            a.op("fma.rn", PtxType.F64, q, q, z, d(PortableMath.signedInverseFactorial(k)));
        }
        String yz = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, yz, yh, z);
        String correction = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, correction, z, d(-0.5), d(1));
        a.op("mul.rn", PtxType.F64, correction, correction, yl);
        String tail = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, tail, yz, q, correction);
        String r = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, r, yh, tail);
        return r;
    }

    /** cos(yh + yl) = w + (((1 - w) - z/2) + (z^2 P(z) - yh yl)) with w = 1 - z/2, P from 1/4! to 1/20!. */
    private String cosineSeries(String yh, String yl, String z) {
        String q = a.reg(RegClass.F64);
        a.op("mov", PtxType.F64, q, d(PortableMath.signedInverseFactorial(20)));
        for (int k = 18; k >= 4; k -= 2) {
            a.op("fma.rn", PtxType.F64, q, q, z, d(PortableMath.signedInverseFactorial(k)));
        }
        String zz = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, zz, z, z);
        String product = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, product, yh, yl);
        String tail = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, product, product);
        a.op("fma.rn", PtxType.F64, tail, zz, q, product);
        String half = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, half, z, d(0.5));
        String w = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, w, d(1), half);
        String lost = a.reg(RegClass.F64);
        a.op("sub.rn", PtxType.F64, lost, d(1), w);
        a.op("sub.rn", PtxType.F64, lost, lost, half);
        a.op("add.rn", PtxType.F64, tail, lost, tail);
        String r = a.reg(RegClass.F64);
        a.op("add.rn", PtxType.F64, r, w, tail);
        return r;
    }

    private record Reduced(String k, String r) {
    }

    /** x = k ln2 + r, with x clamped to where e^x neither overflows nor underflows sooner anyway. */
    private Reduced reduce(String x) {
        String xc = a.reg(RegClass.F64);
        a.op("max", PtxType.F64, xc, x, d(-746));
        a.op("min", PtxType.F64, xc, xc, d(710));
        String kd = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, kd, xc, d(1 / Math.log(2)));
        a.cvt(".rni", PtxType.F64, PtxType.F64, kd, kd);
        String k = a.reg(RegClass.B32);
        a.cvt(".rzi", PtxType.S32, PtxType.F64, k, kd);
        String minusK = a.reg(RegClass.F64);
        a.op("neg", PtxType.F64, minusK, kd);
        String r = a.reg(RegClass.F64);
        a.op("fma.rn", PtxType.F64, r, minusK, d(LN2_HI), xc);
        a.op("fma.rn", PtxType.F64, r, minusK, d(LN2_LO), r);
        return new Reduced(k, r);
    }

    /** (e^r - 1) / r = 1 + r/2! + r^2/3! + ... + r^13/14!, for |r| <= ln2/2. */
    private String seriesOfExpm1OverR(String r) {
        String q = a.reg(RegClass.F64);
        double[] inverseFactorials = new double[15];
        double factorial = 1;
        for (int n = 1; n <= 14; n++) {
            factorial *= n;
            inverseFactorials[n] = 1 / factorial;
        }
        a.op("mov", PtxType.F64, q, d(inverseFactorials[14]));
        for (int n = 13; n >= 1; n--) {
            a.op("fma.rn", PtxType.F64, q, q, r, d(inverseFactorials[n]));
        }
        return q;
    }

    /** p 2^k for k in [-1076, 1024], in two exact-or-once-rounded steps. */
    private String scale(String p, String k) {
        String k1 = a.reg(RegClass.B32);
        a.op("shr", PtxType.S32, k1, k, 1);
        String k2 = a.reg(RegClass.B32);
        a.op("sub", PtxType.S32, k2, k, k1);
        String r = a.reg(RegClass.F64);
        a.op("mul.rn", PtxType.F64, r, p, powerOfTwo(k1));
        a.op("mul.rn", PtxType.F64, r, r, powerOfTwo(k2));
        return r;
    }

    /** 2^k for k in [-1022, 1023], built from its exponent bits. */
    private String powerOfTwo(String k) {
        String bits = a.reg(RegClass.B64);
        a.cvt("", PtxType.S64, PtxType.S32, bits, k);
        a.op("add", PtxType.S64, bits, bits, 1023);
        a.op("shl", PtxType.B64, bits, bits, 52);
        String r = a.reg(RegClass.F64);
        a.op("mov", PtxType.B64, r, bits);
        return r;
    }

    /** r, or x itself where |x| < limit (where the function rounds to x, signed zeros included). */
    private String keepTiny(String x, double limit, String r) {
        String magnitude = a.reg(RegClass.F64);
        a.op("abs", PtxType.F64, magnitude, x);
        String tiny = a.reg(RegClass.PRED);
        a.op("setp.lt", PtxType.F64, tiny, magnitude, d(limit));
        String out = a.reg(RegClass.F64);
        a.op("selp", PtxType.F64, out, x, r, tiny);
        return out;
    }

    /** r, or x where x is NaN. */
    private String keepNaN(String x, String r) {
        String nan = a.reg(RegClass.PRED);
        a.op("setp.nan", PtxType.F64, nan, x, x);
        String out = a.reg(RegClass.F64);
        a.op("selp", PtxType.F64, out, x, r, nan);
        return out;
    }
}
