package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** VectorMath against float64 references, over a sweep of every float32 exponent and the special values. */
class VectorMathTest {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int MAX_ULPS = 2;

    /** Every 2039th float32 bit pattern, positive and negative, plus the values where the functions turn. */
    private static float[] sweep() {
        int step = 2039;
        float[] values = new float[2 * (0x7f800000 / step) + 16];
        int n = 0;
        for (int bits = 0; bits < 0x7f800000 - step; bits += step) {
            values[n++] = Float.intBitsToFloat(bits);
            values[n++] = -Float.intBitsToFloat(bits);
        }
        for (float special : new float[] {0f, -0f, 1f, -1f, 0.55f, -0.55f, 88.72f, 89f, -103f, -104f,
            Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            values[n++] = special;
        }
        return java.util.Arrays.copyOf(values, n - n % SPECIES.length());
    }

    private static float[] apply(UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += SPECIES.length()) {
            f.apply(FloatVector.fromArray(SPECIES, x, i)).intoArray(y, i);
        }
        return y;
    }

    /** The distance in float32 steps between two floats of the same sign (infinite ones included). */
    private static long ulps(float a, float b) {
        return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }

    private static void check(String name, UnaryOperator<FloatVector> f, DoubleUnaryOperator reference) {
        float[] x = sweep();
        float[] y = apply(f, x);
        long worst = 0;
        for (int i = 0; i < x.length; i++) {
            float expected = (float) reference.applyAsDouble(x[i]);
            if (Float.isNaN(expected) || Float.isNaN(y[i])) {
                assertEquals(Float.isNaN(expected), Float.isNaN(y[i]), name + "(" + x[i] + ") = " + y[i] + ", expected " + expected);
                continue;
            }
            if (Math.abs(expected) < Float.MIN_NORMAL && Math.abs(y[i]) < Float.MIN_NORMAL) {
                continue; // the subnormal range of exp: within one step of the smallest normal, as documented
            }
            long d = ulps(y[i], expected);
            assertTrue(d <= MAX_ULPS, name + "(" + x[i] + ") = " + y[i] + ", expected " + expected + ": " + d + " ulps");
            worst = Math.max(worst, d);
        }
        assertTrue(worst >= 0);
    }

    @Test
    void expIsWithinTwoUlps() {
        check("exp", VectorMath::exp, Math::exp);
    }

    @Test
    void logIsWithinTwoUlps() {
        check("log", VectorMath::log, Math::log);
    }

    @Test
    void log1pIsWithinTwoUlps() {
        check("log1p", VectorMath::log1p, Math::log1p);
    }

    @Test
    void expm1IsWithinTwoUlps() {
        check("expm1", VectorMath::expm1, Math::expm1);
    }

    @Test
    void tanhIsWithinTwoUlps() {
        check("tanh", VectorMath::tanh, Math::tanh);
    }

    @Test
    void signedZerosAndInfinitiesAreKept() {
        float[] x = new float[SPECIES.length()];
        java.util.Arrays.fill(x, -0f);
        assertEquals(-0f, apply(VectorMath::tanh, x)[0]);
        assertEquals(-0f, apply(VectorMath::expm1, x)[0]);
        assertEquals(-0f, apply(VectorMath::log1p, x)[0]);
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        assertEquals(0f, apply(VectorMath::exp, x)[0]);
        assertEquals(-1f, apply(VectorMath::expm1, x)[0]);
        assertEquals(-1f, apply(VectorMath::tanh, x)[0]);
    }
}
