package io.jitflow.ir.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** PortableMath's log and cos against StrictMath (fdlibm) over their domains, and their special values. */
class PortableMathTest {
    private static long ulps(double a, double b) {
        return Math.abs(Double.doubleToRawLongBits(a) - Double.doubleToRawLongBits(b));
    }

    @Test
    void logIsWithinTwoUlpsOfStrictMath() {
        Random random = new Random(1);
        long worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double x = i % 2 == 0 ? random.nextDouble() * 4 : Math.scalb(random.nextDouble() + 1, random.nextInt(2098) - 1074);
            worst = Math.max(worst, ulps(PortableMath.log(x), StrictMath.log(x)));
        }
        assertTrue(worst <= 2, "worst " + worst + " ulp");
        assertEquals(Double.NEGATIVE_INFINITY, PortableMath.log(0.0));
        assertEquals(Double.NEGATIVE_INFINITY, PortableMath.log(-0.0));
        assertTrue(Double.isNaN(PortableMath.log(-1)));
        assertTrue(Double.isNaN(PortableMath.log(Double.NaN)));
        assertEquals(Double.POSITIVE_INFINITY, PortableMath.log(Double.POSITIVE_INFINITY));
        assertEquals(0.0, PortableMath.log(1.0));
        assertEquals(StrictMath.log(Double.MIN_VALUE), PortableMath.log(Double.MIN_VALUE), Math.ulp(StrictMath.log(Double.MIN_VALUE)));
    }

    @Test
    void cosIsWithinOneUlpOfStrictMathBelowTheLimit() {
        Random random = new Random(2);
        long worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double x = i % 2 == 0 ? random.nextDouble() * 2 * Math.PI : (random.nextDouble() * 2 - 1) * Math.scalb(1.0, random.nextInt(20));
            worst = Math.max(worst, ulps(PortableMath.cos(x), StrictMath.cos(x)));
        }
        assertTrue(worst <= 1, "worst " + worst + " ulp");
        assertEquals(1.0, PortableMath.cos(0.0));
        assertEquals(1.0, PortableMath.cos(-0.0));
        assertTrue(Double.isNaN(PortableMath.cos(Double.POSITIVE_INFINITY)));
        assertTrue(Double.isNaN(PortableMath.cos(Double.NaN)));
        assertThrows(ArithmeticException.class, () -> PortableMath.cos(0x1p20));
    }
}
