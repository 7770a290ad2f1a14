package io.jitflow.runtime;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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

    /**
     * e^x: x = n ln2 + r with |r| <= ln2/2, e^x = 2^n e^r, the power of two applied in two halves
     * (no overflow of the exponent field). Like {@link #tanh} it calls nothing: a call that C2 leaves
     * out past its node budget would box the vectors that cross it.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector shifted = clamped.fma(LOG2E_V, SHIFT_V);
        // n's bits sit at the bottom of the shifted float's mantissa (no lane conversion, which
        // HotSpot does not turn into vector instructions for every vector size).
        IntVector k = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDING_SHIFT));
        IntVector half = k.lanewise(VectorOperators.ASHR, 1);
        // e^r = 1 + r + r^2 (E0 + E1 r + ...) for r = x - n ln2 (n = shifted - ROUNDING_SHIFT), and
        // the powers of two built in the exponent field.
        FloatVector n = shifted.sub(SHIFT_V);
        FloatVector r = n.fma(MINUS_LN2_LO, n.fma(MINUS_LN2_HI, clamped));
        FloatVector q = r.fma(E4_V, E3_V).fma(r, E2_V).fma(r, E1_V).fma(r, E0_V);
        FloatVector powerOfHalf = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector powerOfRest = k.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return r.mul(r).fma(q, r).add(ONE).mul(powerOfHalf).mul(powerOfRest);
    }

    /**
     * The generated code's species: constants are vectors of it made once (a broadcast in every
     * operation would multiply the nodes HotSpot must compile, and past its budget it stops
     * inlining, so vectors get boxed).
     */
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /**
     * out[at + c] = the Math.max fold of x[offsets[t] + c] over the taps t in order, those with
     * offsets below 0 (padding) left out, for c below n; -inf where every tap is: a max pool's
     * point, exact (the Vector API's MAX is Math.max lane by lane: NaN wins, -0.0 is below 0.0).
     * The taps are folded in registers, the first four, then three at a time onto out; a padded
     * tap stands in as the first tap inside the input again, which changes no fold (the same set
     * of values, the first NaN in order still the first). Tap by tap through out, ResNet-50's 3x3
     * pool of 112 x 112 x 64 with a sum after it took 260-305 us a call, 211-215 so (its 2x2 pools,
     * one call of four taps, as before).
     */
    public static void maxOfTaps(float[] out, int at, float[] x, int[] offsets, int n) {
        int first = -1;
        for (int t = 0; t < offsets.length && first < 0; t++) {
            first = offsets[t];
        }
        if (first < 0) {
            java.util.Arrays.fill(out, at, at + n, Float.NEGATIVE_INFINITY);
            return;
        }
        maxOfFour(out, at, x, tapOr(offsets, 0, first), x, tapOr(offsets, 1, first), tapOr(offsets, 2, first),
                tapOr(offsets, 3, first), n);
        for (int t = 4; t < offsets.length; t += 3) {
            maxOfFour(out, at, out, at, x, tapOr(offsets, t, first), tapOr(offsets, t + 1, first),
                    tapOr(offsets, t + 2, first), n);
        }
    }

    /** Tap t's offset, or {@code first} where t is past the window or in the padding. */
    private static int tapOr(int[] offsets, int t, int first) {
        return t < offsets.length && offsets[t] >= 0 ? offsets[t] : first;
    }

    /** out[at + c] = Math.max(Math.max(Math.max(start[s + c], x[o1 + c]), x[o2 + c]), x[o3 + c]) for c below n. */
    private static void maxOfFour(float[] out, int at, float[] start, int s, float[] x, int o1, int o2, int o3, int n) {
        int c = 0;
        for (int bound = SPECIES.loopBound(n); c < bound; c += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, start, s + c).max(FloatVector.fromArray(SPECIES, x, o1 + c))
                    .max(FloatVector.fromArray(SPECIES, x, o2 + c)).max(FloatVector.fromArray(SPECIES, x, o3 + c))
                    .intoArray(out, at + c);
        }
        for (; c < n; c++) {
            out[at + c] = Math.max(Math.max(Math.max(start[s + c], x[o1 + c]), x[o2 + c]), x[o3 + c]);
        }
    }

    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

    /**
     * acc[at + c] += x[from + c] in float64 for c below n: one row of a sum over leading axes (a
     * bias gradient's sum over the batch), each accumulator folding its column's values in order as
     * the scalar loop does, so the same bits; widening and adding are exact lane operations. One
     * accumulator at a time through an array, a 128 x 128 column sum took 7 us on one thread, so
     * 3.4. The floats are loaded as the preferred species and widened half by half: loaded as
     * vectors of half its size (as many lanes as the doubles), the Vector API's shared code saw a
     * second float vector class, and in half the JVM runs the matmul kernels ran twice as long.
     */
    public static void addRowInto(double[] acc, int at, float[] x, int from, int n) {
        int c = 0;
        int half = DOUBLES.length();
        for (int bound = SPECIES.loopBound(n); c < bound; c += SPECIES.length()) {
            FloatVector row = FloatVector.fromArray(SPECIES, x, from + c);
            DoubleVector low = (DoubleVector) row.convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector high = (DoubleVector) row.convertShape(VectorOperators.F2D, DOUBLES, 1);
            DoubleVector.fromArray(DOUBLES, acc, at + c).add(low).intoArray(acc, at + c);
            DoubleVector.fromArray(DOUBLES, acc, at + c + half).add(high).intoArray(acc, at + c + half);
        }
        for (; c < n; c++) {
            acc[at + c] += x[from + c];
        }
    }

    private static final VectorSpecies<Integer> TAP_SPECIES = VectorSpecies.of(int.class, SPECIES.vectorShape());

    /**
     * chosen[at + c] = the first largest of x[offsets[t] + c] over the taps t (an offset below zero
     * reads -inf: padding), for c below n: a later tap is taken when it is larger or NaN, and a NaN
     * once taken is kept; float32 compares as the reference's float64 would. A vector of channels
     * at a time (tap by tap over scalar channels, the MNIST convnet's first pool's argmax took 2.8
     * ms a call).
     */
    public static void firstLargestTap(float[] x, int[] offsets, int[] chosen, int at, int n) {
        int c = 0;
        for (int bound = SPECIES.loopBound(n); c < bound; c += SPECIES.length()) {
            FloatVector best = tap(x, offsets[0], c);
            IntVector taken = IntVector.zero(TAP_SPECIES);
            for (int t = 1; t < offsets.length; t++) {
                FloatVector value = tap(x, offsets[t], c);
                // NaN as x != x: test(IS_NAN) runs through the Vector API's shared integer lane code
                // (IntVector.lanewise with a scalar), whose type profile then also held this shape's
                // integer vectors beside the patch gathers' 256-bit index vectors, and C2 boxed those
                // (the Keras convnet's training step allocated 11.3 MB a step, 2.5 MB so).
                VectorMask<Float> take = value.compare(VectorOperators.GT, best)
                        .or(value.compare(VectorOperators.NE, value)).andNot(best.compare(VectorOperators.NE, best));
                best = best.blend(value, take);
                taken = taken.blend(t, take.cast(TAP_SPECIES));
            }
            taken.intoArray(chosen, at + c);
        }
        for (; c < n; c++) {
            float best = offsets[0] < 0 ? Float.NEGATIVE_INFINITY : x[offsets[0] + c];
            chosen[at + c] = 0;
            for (int t = 1; t < offsets.length; t++) {
                float value = offsets[t] < 0 ? Float.NEGATIVE_INFINITY : x[offsets[t] + c];
                if (!Float.isNaN(best) && (Float.isNaN(value) || value > best)) {
                    best = value;
                    chosen[at + c] = t;
                }
            }
        }
    }

    /**
     * A max pool's gradient at one window: out[offsets[t] + c] = dy[at + c] + 0 where chosen[at +
     * c] is t, else 0, for each tap t inside (offset not below zero) and c below n; every tap of the
     * window is written (where the windows tile the input, the output needs no zeroing first).
     */
    public static void routeToChosenTaps(int[] chosen, float[] dy, int at, int[] offsets, float[] out, int n) {
        int c = 0;
        for (int bound = SPECIES.loopBound(n); c < bound; c += SPECIES.length()) {
            IntVector taken = IntVector.fromArray(TAP_SPECIES, chosen, at + c);
            FloatVector gradient = FloatVector.fromArray(SPECIES, dy, at + c).add(ZERO);
            for (int t = 0; t < offsets.length; t++) {
                if (offsets[t] >= 0) {
                    ZERO.blend(gradient, taken.eq(t).cast(SPECIES)).intoArray(out, offsets[t] + c);
                }
            }
        }
        for (; c < n; c++) {
            for (int t = 0; t < offsets.length; t++) {
                if (offsets[t] >= 0) {
                    out[offsets[t] + c] = chosen[at + c] == t ? dy[at + c] + 0f : 0f;
                }
            }
        }
    }

    /** The channels from c of the tap at {@code offset}, or -inf for padding (a negative offset). */
    private static FloatVector tap(float[] x, int offset, int c) {
        return offset < 0 ? MINUS_INFINITY : FloatVector.fromArray(SPECIES, x, offset + c);
    }

    private static FloatVector v(float value) {
        return FloatVector.broadcast(SPECIES, value);
    }

    private static final FloatVector ONE = v(1f);
    private static final FloatVector TEN = v(10f);
    private static final FloatVector TWO = v(2f);
    private static final FloatVector ZERO = v(0f);
    private static final FloatVector INFINITY = v(Float.POSITIVE_INFINITY);
    private static final FloatVector MINUS_INFINITY = v(Float.NEGATIVE_INFINITY);
    private static final FloatVector NAN = v(Float.NaN);
    private static final FloatVector EXP_LOW = v(-104f);
    private static final FloatVector EXP_HIGH = v(89f);
    private static final FloatVector LOG2E_V = v(LOG2E);
    private static final FloatVector SHIFT_V = v(ROUNDING_SHIFT);
    private static final FloatVector MINUS_LN2_HI = v(-LN2_HI);
    private static final FloatVector MINUS_LN2_LO = v(-LN2_LO);
    private static final FloatVector LN2_HI_V = v(LN2_HI);
    private static final FloatVector LN2_LO_V = v(LN2_LO);
    private static final FloatVector E0_V = v(E0);
    private static final FloatVector E1_V = v(E1);
    private static final FloatVector E2_V = v(E2);
    private static final FloatVector E3_V = v(E3);
    private static final FloatVector E4_V = v(E4);
    private static final FloatVector L0_V = v(L0);
    private static final FloatVector L1_V = v(L1);
    private static final FloatVector L2_V = v(L2);
    private static final FloatVector T0_V = v(T0);
    private static final FloatVector T1_V = v(T1);
    private static final FloatVector T2_V = v(T2);
    private static final FloatVector T3_V = v(T3);
    private static final FloatVector T4_V = v(T4);

    /** log(x): x = m 2^e with m in [sqrt(2)/2, sqrt(2)), log x = e ln2 + log m. */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, 0x1p-126f);
        FloatVector scaled = x.blend(x.mul(0x1p23f), subnormal);
        IntVector bits = scaled.reinterpretAsInts();
        // The biased exponent as a float: put it under 2^23's exponent, then subtract 2^23 + 127.
        FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).or(0x4b000000).reinterpretAsFloats().sub(8388608f + 127f);
        e = e.blend(e.sub(23f), subnormal);
        FloatVector m = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
        VectorMask<Float> high = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5f), high);
        e = e.blend(e.add(ONE), high);
        FloatVector result = e.fma(LN2_HI_V, e.fma(LN2_LO_V, log1pNear0(m.sub(ONE))));
        result = result.blend(MINUS_INFINITY, x.compare(VectorOperators.EQ, ZERO));
        result = result.blend(INFINITY, x.compare(VectorOperators.EQ, INFINITY));
        return result.blend(NAN, x.compare(VectorOperators.LT, ZERO).or(x.compare(VectorOperators.NE, x)));
    }

    /**
     * log(1 + f) for f in [sqrt(2)/2 - 1, sqrt(2) - 1): with s = f / (2 + f), log(1 + f) = 2s + s T(s^2)
     * = f - s (f - T), which keeps f exact and puts the rounding of s into a small correction.
     */
    private static FloatVector log1pNear0(FloatVector f) {
        FloatVector s = f.div(f.add(TWO));
        FloatVector z = s.mul(s);
        FloatVector t = z.fma(L2_V, L1_V).fma(z, L0_V).mul(z);
        return f.sub(s.mul(f.sub(t)));
    }

    /** log(1 + x): near zero directly, elsewhere log(u) for u = 1 + x plus the first-order correction of u's rounding. */
    public static FloatVector log1p(FloatVector x) {
        FloatVector u = x.add(ONE);
        FloatVector corrected = log(u).add(x.sub(u.sub(ONE)).div(u));
        VectorMask<Float> near0 = x.compare(VectorOperators.GE, SQRT2 / 2 - 1).and(x.compare(VectorOperators.LT, SQRT2 - 1));
        FloatVector result = corrected.blend(log1pNear0(x), near0);
        result = result.blend(MINUS_INFINITY, x.compare(VectorOperators.EQ, -1f));
        return result.blend(INFINITY, x.compare(VectorOperators.EQ, INFINITY));
    }

    /** e^x - 1: the exponential's polynomial without its 1 near zero, elsewhere (u - 1) x / log(u) for u = e^x rounded (Kahan's correction). */
    public static FloatVector expm1(FloatVector x) {
        FloatVector u = exp(x);
        FloatVector d = u.sub(ONE);
        FloatVector result = d.mul(x.div(log(u)));
        result = result.blend(ONE.neg(), d.compare(VectorOperators.EQ, -1f));
        result = result.blend(INFINITY, u.compare(VectorOperators.EQ, INFINITY));
        FloatVector q = x.fma(E4_V, E3_V).fma(x, E2_V).fma(x, E1_V).fma(x, E0_V);
        // x (1 + x q) rather than x + x^2 q, which would turn -0 into +0.
        FloatVector near0 = x.mul(x.fma(q, ONE));
        return result.blend(near0, x.abs().compare(VectorOperators.LE, LN2_HI / 2));
    }

    /**
     * tanh(x): a polynomial near zero, 1 - 2 / (e^2|x| + 1) with x's sign elsewhere. Its
     * exponential (of at most 20, so 2^n fits the exponent field at once) is written out here, as
     * {@link #exp} computes it but for the scaling, rather than called: past HotSpot's budget of
     * nodes per compiled method C2 stops inlining calls that are not forced, and a vector that crosses
     * such a call is allocated as an object. In B1's chain (relu, sigmoid, tanh in one kernel) the
     * call to a shared exponential was left out so: 64 MB allocated per call of 4 M elements against
     * 16 MB (its result) with it written out, 4.8 against 6.2-6.8 GB/s. Kernels that call more of
     * these functions can still pass the budget at the calls themselves (see the README, B1).
     */
    public static FloatVector tanh(FloatVector x) {
        FloatVector z = x.mul(x);
        FloatVector q = z.fma(T4_V, T3_V).fma(z, T2_V).fma(z, T1_V).fma(z, T0_V);
        FloatVector small = x.mul(z.fma(q, ONE)); // x (1 + z q) keeps the sign of -0
        FloatVector a = x.abs().min(TEN);
        FloatVector twice = a.add(a);
        FloatVector shifted = twice.fma(LOG2E_V, SHIFT_V);
        // The shifted float's bits are 0x4b400000 + n; shifted left by 23 only n << 23 remains.
        FloatVector scale = shifted.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).add(0x3f800000)
                .reinterpretAsFloats();
        FloatVector n = shifted.sub(SHIFT_V);
        FloatVector r = n.fma(MINUS_LN2_LO, n.fma(MINUS_LN2_HI, twice));
        FloatVector q2 = r.fma(E4_V, E3_V).fma(r, E2_V).fma(r, E1_V).fma(r, E0_V);
        FloatVector e = r.mul(r).fma(q2, r).add(ONE).mul(scale);
        FloatVector large = ONE.sub(TWO.div(e.add(ONE)));
        large = large.blend(large.neg(), x.compare(VectorOperators.LT, ZERO));
        return large.blend(small, x.abs().compare(VectorOperators.LT, TANH_SMALL));
    }
}
