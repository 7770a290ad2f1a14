package io.jitflow.ir;

/**
 * IEEE 754 binary16 conversions. Values are computed in wider precision and rounded to nearest,
 * ties to even, when stored; NaN payloads keep their top bits and stay NaN.
 */
public final class Float16 {
    private Float16() {
    }

    /** The float value of the half whose bits are {@code h}; exact. */
    public static float toFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0) {
            // Zero or subnormal: mantissa * 2^-24 is exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        if (exponent == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }

    /**
     * The half nearest to {@code value}, ties to even. Rounds from the double directly: going
     * through float first could round twice and miss the nearest half.
     */
    public static short fromDouble(double value) {
        long bits = Double.doubleToRawLongBits(value);
        int sign = (int) (bits >>> 48) & 0x8000;
        int exponent = (int) (bits >>> 52) & 0x7ff;
        long mantissa = bits & 0xf_ffff_ffff_ffffL;
        if (exponent == 0x7ff) {
            if (mantissa == 0) {
                return (short) (sign | 0x7c00);
            }
            return (short) (sign | 0x7c00 | 0x200 | (int) (mantissa >>> 42));
        }
        int halfExponent = exponent - 1023 + 15;
        if (halfExponent >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (halfExponent <= 0) {
            // Subnormal half: the value in units of 2^-24 is (1.mantissa) * 2^(halfExponent - 43 + 52).
            int shift = 43 - halfExponent;
            if (shift > 53 || exponent == 0) {
                return (short) sign;
            }
            long significand = mantissa | (1L << 52);
            return (short) (sign | (int) roundShift(significand, shift));
        }
        long rounded = roundShift(((long) halfExponent << 52) | mantissa, 42);
        // A carry out of the mantissa correctly bumps the exponent, up to infinity.
        return (short) (sign | (int) rounded);
    }

    public static short fromFloat(float value) {
        return fromDouble(value);
    }

    /** {@code value >> shift}, rounded to nearest with ties to even. */
    private static long roundShift(long value, int shift) {
        long kept = value >>> shift;
        long remainder = value & ((1L << shift) - 1);
        long halfway = 1L << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
