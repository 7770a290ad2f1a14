package io.jitflow.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * float32 transcendental functions for generated Vector API code, built only from operations that
 * IEEE 754 defines exactly (add, multiply, fused multiply-add, divide, compare, bit moves). The
 * Vector API's own {@code lanewise(EXP)} and friends run an intrinsic once HotSpot compiles the
 * code and a Java fallback before, and the two differ in the last bit; these give the same bits in
 * every tier, JVM, vector width and lane. Each is within 2 ulp of the correctly rounded result
 * (VectorMathTest checks them against float64 references over the whole float range).
 *
 * <p>The polynomial coefficients are least-squares fits toward minimax over the reduced ranges,
 * rounded to float32.
 */
public final class VectorMath {
    private VectorMath() {
    }

    private static final float LOG2E = 1.44269504f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUNDING_SHIFT = 12582912f;
    /** ln 2 split in two: the high part has few enough bits that n * LN2_HI is exact for |n| < 256. */
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860677e-06f;
    private static final float SQRT2 = 1.41421356f;

    /** e^r = 1 + r + r^2 * (E0 + E1 r + E2 r^2 + E3 r^3 + E4 r^4) on [-ln2/2, ln2/2]. */
    private static final float E0 = 0.49999994f;
    private static final float E1 = 0.16666521f;
    private static final float E2 = 0.041668389f;
    private static final float E3 = 0.0083687101f;
    private static final float E4 = 0.0013814613f;

    /** log(1 + f) = 2s + s * T, T = z * (L0 + L1 z + L2 z^2), s = f / (2 + f), z = s^2, 1 + f in [sqrt(2)/2, sqrt(2)). */
    private static final float L0 = 0.66666782f;
    private static final float L1 = 0.39976642f;
    private static final float L2 = 0.29897967f;

    /** tanh(x) = x + x^3 * (T0 + T1 z + ... + T4 z^4), z = x^2, |x| < TANH_SMALL. */
    private static final float TANH_SMALL = 0.55f;
    private static final float T0 = -0.33333316f;
    private static final float T1 = 0.13332586f;
    private static final float T2 = -0.053852309f;
    private static final float T3 = 0.021071678f;
    private static final float T4 = -0.0062742373f;

    /** e^x: x = n ln2 + r with |r| <= ln2/2, e^x = 2^n e^r, the power of two applied in two halves (no overflow of the exponent field). */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.lanewise(VectorOperators.MAX, -104f).lanewise(VectorOperators.MIN, 89f);
        FloatVector n = clamped.fma(LOG2E, ROUNDING_SHIFT).sub(ROUNDING_SHIFT);
        FloatVector r = mulAdd(n, -LN2_LO, mulAdd(n, -LN2_HI, clamped));
        FloatVector q = mulAdd(mulAdd(mulAdd(r.fma(E4, E3), r, E2), r, E1), r, E0);
        FloatVector p = r.mul(r).fma(q, r).add(1f);
        IntVector k = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        return p.mul(powerOfTwo(half)).mul(powerOfTwo(k.sub(half)));
    }

    /** a * b + c with one rounding. */
    private static FloatVector mulAdd(FloatVector a, float b, FloatVector c) {
        return a.fma(a.broadcast(b), c);
    }

    private static FloatVector mulAdd(FloatVector a, FloatVector b, float c) {
        return a.fma(b, a.broadcast(c));
    }

    /** 2^k for -127 < k < 128, built in the exponent field. */
    private static FloatVector powerOfTwo(IntVector k) {
        return k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    }

    /** log(x): x = m 2^e with m in [sqrt(2)/2, sqrt(2)), log x = e ln2 + log m. */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector scaled = x.blend(x.mul(0x1p23f), subnormal);
        IntVector bits = scaled.reinterpretAsInts();
        FloatVector e = ((FloatVector) bits.lanewise(VectorOperators.LSHR, 23).convert(VectorOperators.I2F, 0)).sub(127f);
        e = e.blend(e.sub(23f), subnormal);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> high = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5f), high);
        e = e.blend(e.add(1f), high);
        FloatVector result = mulAdd(e, LN2_HI, mulAdd(e, LN2_LO, log1pNear0(m.sub(1f))));
        result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return result.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.compare(VectorOperators.NE, x)));
    }

    /**
     * log(1 + f) for f in [sqrt(2)/2 - 1, sqrt(2) - 1): with s = f / (2 + f), log(1 + f) = 2s + s T(s^2)
     * = f - s (f - T), which keeps f exact and puts the rounding of s into a small correction.
     */
    private static FloatVector log1pNear0(FloatVector f) {
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector t = mulAdd(z.fma(L2, L1), z, L0).mul(z);
        return f.sub(s.mul(f.sub(t)));
    }

    /** log(1 + x): near zero directly, elsewhere log(u) for u = 1 + x plus the first-order correction of u's rounding. */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(1f);
        FloatVector corrected = log(u).add(x.sub(u.sub(1f)).div(u));
        VectorMask<Float> near0 = x.compare(VectorOperators.GE, SQRT2 / 2 - 1).and(x.compare(VectorOperators.LT, SQRT2 - 1));
        FloatVector result = corrected.blend(log1pNear0(x), near0);
        result = result.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, -1f));
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return keepZero(result, x);
    }

    /** e^x - 1: the exponential's polynomial without its 1 near zero, elsewhere (u - 1) x / log(u) for u = e^x rounded (Kahan's correction). */
    public static FloatVector expm1(FloatVector x) {
        FloatVector u = exp(x);
        FloatVector d = u.sub(1f);
        FloatVector result = d.mul(x.div(log(u)));
        result = result.blend(-1f, d.compare(VectorOperators.EQ, -1f));
        result = result.blend(Float.POSITIVE_INFINITY, u.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        FloatVector q = mulAdd(mulAdd(mulAdd(x.fma(E4, E3), x, E2), x, E1), x, E0);
        FloatVector near0 = x.mul(x).fma(q, x);
        return keepZero(result.blend(near0, x.abs().compare(VectorOperators.LE, LN2_HI / 2)), x);
    }

    /** f(x) with f(+-0) = +-0 (a polynomial's x + x^2 q(x) would turn -0 into +0). */
    private static FloatVector keepZero(FloatVector fx, FloatVector x) {
        return fx.blend(x, x.compare(VectorOperators.EQ, 0f));
    }

    /** tanh(x): a polynomial near zero, 1 - 2 / (e^2|x| + 1) with x's sign elsewhere. */
    public static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector q = mulAdd(mulAdd(mulAdd(z.fma(T4, T3), z, T2), z, T1), z, T0);
        FloatVector small = x.fma(z.mul(q), x);
        FloatVector a = x.abs().lanewise(VectorOperators.MIN, 10f);
        FloatVector large = FloatVector.broadcast(x.species(), 1f).sub(FloatVector.broadcast(x.species(), 2f)
                .div(exp(a.add(a)).add(1f)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, 0f));
        return keepZero(large.blend(small, x.abs().compare(VectorOperators.LT, TANH_SMALL)), x);
    }
}
