package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.ops.ScalarMath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The routines generated CPU code calls, against 50-digit values (erf and Phi correctly rounded
 * everywhere, subnormal tails included) and against the reference interpreter's own routines, bit
 * for bit, as exact mode promises.
 */
class KernelMathTest {
    /** x, erf, erfc, gelu, Phi: correctly rounded values from tools/erf-reference.py. */
    private static List<double[]> table() throws Exception {
        List<double[]> rows = Files.readAllLines(Path.of("../graph-ir/src/test/resources/erf_reference.csv")).stream()
                .filter(l -> !l.startsWith("#")).map(l -> java.util.Arrays.stream(l.split(","))
                        .mapToDouble(Double::parseDouble).toArray()).toList();
        assertTrue(rows.size() > 1500, rows.size() + " rows");
        return rows;
    }

    @Test
    void erfAndPhiAreCorrectlyRounded() throws Exception {
        for (double[] row : table()) {
            assertEquals(row[1], KernelMath.erf(row[0]), 0, "erf(" + row[0] + ")");
            assertEquals(row[4], KernelMath.normalCdf(row[0]), 0, "Phi(" + row[0] + ")");
        }
        assertEquals(-0.0, KernelMath.erf(-0.0));
        assertEquals(1, KernelMath.erf(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(KernelMath.erf(Double.NaN)) && Double.isNaN(KernelMath.normalCdf(Double.NaN)));
        assertEquals(0, KernelMath.normalCdf(Double.NEGATIVE_INFINITY));
    }

    @Test
    void equalTheReferenceBitForBit() {
        SplittableRandom random = new SplittableRandom(5);
        double[][] ranges = {{-1, 1}, {-7, 7}, {-40, -2}, {-1e-6, 1e-6}, {-39, -37}};
        for (double[] range : ranges) {
            for (int i = 0; i < 10_000; i++) {
                double x = range[0] + (range[1] - range[0]) * random.nextDouble();
                sameBits("erf", x, KernelMath::erf, ScalarMath::erf);
                sameBits("normalCdf", x, KernelMath::normalCdf, ScalarMath::normalCdf);
            }
        }
    }

    private static void sameBits(String name, double x, DoubleUnaryOperator runtime, DoubleUnaryOperator reference) {
        double r = runtime.applyAsDouble(x);
        double expected = reference.applyAsDouble(x);
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(r),
                () -> name + "(" + x + ") = " + r + ", the reference gives " + expected);
    }

    @Test
    void floorModAndIntegerPowerMatchTheReference() {
        double[] values = {0.0, -0.0, 1.5, -1.5, 7, -7, 3.25, 1e300, -1e-300, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.NaN};
        for (double a : values) {
            for (double b : values) {
                assertEquals(Double.doubleToLongBits(ScalarMath.floorMod(a, b)),
                        Double.doubleToLongBits(KernelSupport.floorMod(a, b)), a + " mod " + b);
            }
        }
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 10_000; i++) {
            long base = random.nextInt(-50, 50);
            long exponent = random.nextInt(0, 70);
            assertEquals(ScalarMath.pow(base, exponent), KernelSupport.pow(base, exponent), base + "^" + exponent);
        }
        assertEquals(1, KernelSupport.pow(0, 0));
        assertEquals(Long.MIN_VALUE, KernelSupport.pow(2, 63), "wraps as long multiplication does");
        EvaluationException e = assertThrows(EvaluationException.class, () -> KernelSupport.pow(2, -1));
        assertEquals("pow: integers to negative integer powers are not allowed (exponent -1)", e.getMessage());
    }
}
