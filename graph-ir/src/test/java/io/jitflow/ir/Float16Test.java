package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Float16Test {
    private static int bits(double v) {
        return Float16.fromDouble(v) & 0xffff;
    }

    @Test
    void knownEncodings() {
        assertEquals(0x3c00, bits(1.0));
        assertEquals(0xc000, bits(-2.0));
        assertEquals(0x7bff, bits(65504));
        assertEquals(0x7c00, bits(65520), "the overflow threshold rounds to infinity");
        assertEquals(0x7bff, bits(65519.99));
        assertEquals(0x0001, bits(Math.pow(2, -24)), "smallest subnormal");
        assertEquals(0x0000, bits(Math.pow(2, -25)), "half the smallest subnormal ties to even zero");
        assertEquals(0x0001, bits(Math.pow(2, -25) * 1.0000001));
        assertEquals(0x0400, bits(Math.pow(2, -14)), "smallest normal");
        assertEquals(0x8000, bits(-0.0));
        assertEquals(0x3c00, bits(1 + Math.pow(2, -11)), "tie goes to the even mantissa");
        assertEquals(0x3c02, bits(1 + 3 * Math.pow(2, -11)), "tie goes to the even mantissa");
    }

    @Test
    void roundsFromDoubleDirectlyNotThroughFloat() {
        // Just above the tie between 1 and 1 + 2^-10: through float it would become the tie and round down.
        double justAbove = 1 + Math.pow(2, -11) + Math.pow(2, -40);
        assertEquals(0x3c01, bits(justAbove));
    }

    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(f))));
            } else {
                assertEquals(h, Float16.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }
}
