package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.VariableStore;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CUDA backend's math routines (run by the PTX interpreter, which a GPU matches bit for bit
 * since the routines use only correctly rounded instructions) against the reference interpreter
 * over a sweep of each function's domain: special values, subnormals, the edges of overflow and
 * underflow, and random points across the exponent range. The bound is the largest difference in
 * units in the last place measured over the sweep (0 for float32, which rounds a float64 result
 * once; 1 is allowed for the rare double rounding).
 */
class PtxMathTest {
    @ParameterizedTest
    @CsvSource({"EXP, FLOAT64, 1", "EXP, FLOAT32, 1", "EXPM1, FLOAT64, 1", "EXPM1, FLOAT32, 1", "LOG, FLOAT64, 2",
            "LOG, FLOAT32, 1", "LOG1P, FLOAT64, 2", "LOG1P, FLOAT32, 1", "TANH, FLOAT64, 2", "TANH, FLOAT32, 1", "ERF, FLOAT64, 3", "ERF, FLOAT32, 1",
            "GELU, FLOAT64, 5", "GELU, FLOAT32, 1",
            "SIN, FLOAT64, 1", "SIN, FLOAT32, 1", "COS, FLOAT64, 1", "COS, FLOAT32, 1"})
    void staysWithinItsBoundOverTheDomain(Op op, DType dtype, int maxUlps) {
        boolean trig = op == Op.SIN || op == Op.COS;
        HostTensor x = sweep(dtype, new Random(op.ordinal()), trig ? TRIG_LIMIT : Double.POSITIVE_INFINITY);
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value in = fb.input("x", TensorType.of(dtype, x.size()));
        Function f = fb.output("y", fb.add(op, Attributes.empty(), in)).build();
        Map<String, HostTensor> inputs = Map.of("x", x);
        HostTensor expected = Interpreter.run(f, inputs, new VariableStore()).get("y");
        HostTensor actual = PtxDifferentialTest.runOnPtx(f, InferenceContext.NO_VARIABLES, inputs, new VariableStore()).get("y");
        long worst = 0;
        int worstAt = 0;
        for (int i = 0; i < x.size(); i++) {
            boolean bothNaN = Double.isNaN(expected.getDouble(i)) && Double.isNaN(actual.getDouble(i));
            long apart = bothNaN ? 0 : Differential.ulpsApart(expected, actual, i);
            if (apart > worst) {
                worst = apart;
                worstAt = i;
            }
        }
        assertTrue(worst <= maxUlps, op + " " + dtype + " is " + worst + " ulp from the reference at x = "
                + x.getDouble(worstAt) + " (" + actual.getDouble(worstAt) + " vs " + expected.getDouble(worstAt) + ")");
        Differential.check(Graph.of(List.of(), List.of(f)), f, inputs, op + " " + dtype, PtxDifferentialTest::runOnPtx,
                new Differential.Tolerance(maxUlps, 0));
    }

    /**
     * pow in float32 and float16 over every pair of a sweep of bases (zeros, infinities, NaN, 1,
     * negatives) and of exponents (signed zeros, 1, odd and even integers, fractions, infinities,
     * NaN, random values): Math.pow's special cases exactly, and at most 1 ulp elsewhere.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DType.class, names = {"FLOAT64", "FLOAT32", "FLOAT16"})
    void powFollowsMathPowWithinAnUlp(DType dtype) {
        double[] bases = {0.0, -0.0, 1, -1, 2, -2, 0.5, -0.5, 3, -8, 10, 1e-3, 250, Double.NaN, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 0.999, 1.001, 1.0000001, 1.4142, 1e-300, 7e300};
        double[] exponents = {0.0, -0.0, 1, -1, 2, -2, 3, -3, 0.5, -0.5, 1.0 / 3, 7.25, -20, 40, Double.NaN,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e6, -1e6, 2000.5, 1e-300};
        Random random = new Random(9);
        int n = bases.length * exponents.length + 2000;
        HostTensor.Writer xs = HostTensor.writer(dtype, new int[] {n});
        HostTensor.Writer ys = HostTensor.writer(dtype, new int[] {n});
        int i = 0;
        for (double b : bases) {
            for (double e : exponents) {
                xs.setDouble(i, b);
                ys.setDouble(i++, e);
            }
        }
        for (; i < n; i++) {
            xs.setDouble(i, random.nextDouble() * 20 - 5);
            ys.setDouble(i, random.nextDouble() * 16 - 8);
        }
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", TensorType.of(dtype, n));
        Value y = fb.input("y", TensorType.of(dtype, n));
        Function f = fb.output("z", fb.add(Op.POW, Attributes.empty(), x, y)).build();
        Differential.check(Graph.of(List.of(), List.of(f)), f, Map.of("x", xs.build(), "y", ys.build()), "pow " + dtype,
                PtxDifferentialTest::runOnPtx, new Differential.Tolerance(1, 0));
    }

    /**
     * Float floor_mod by exact long division, bit for bit: dividends and divisors of every magnitude
     * (up to 2^1023 over a subnormal, the longest division), signed zeros, infinities and NaN.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = DType.class, names = {"FLOAT64", "FLOAT32"})
    void floorModIsExact(DType dtype) {
        double[] specials = {0.0, -0.0, 1, -1, 7.5, -7.5, 3, -3, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE,
                -Double.MAX_VALUE, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300, 1e-300};
        Random random = new Random(4);
        int n = specials.length * specials.length + 1500;
        HostTensor.Writer xs = HostTensor.writer(dtype, new int[] {n});
        HostTensor.Writer ys = HostTensor.writer(dtype, new int[] {n});
        int i = 0;
        for (double a : specials) {
            for (double b : specials) {
                xs.setDouble(i, a);
                ys.setDouble(i++, b);
            }
        }
        int range = dtype == DType.FLOAT64 ? 2098 : 277;
        int low = dtype == DType.FLOAT64 ? 1074 : 149;
        for (; i < n; i++) {
            xs.setDouble(i, (random.nextBoolean() ? 1 : -1) * Math.scalb(random.nextDouble() + 1, random.nextInt(range) - low));
            ys.setDouble(i, (random.nextBoolean() ? 1 : -1) * Math.scalb(random.nextDouble() + 1, random.nextInt(range) - low));
        }
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", TensorType.of(dtype, n));
        Value y = fb.input("y", TensorType.of(dtype, n));
        Function f = fb.output("z", fb.add(Op.MOD, Attributes.empty(), x, y)).build();
        Differential.check(Graph.of(List.of(), List.of(f)), f, Map.of("x", xs.build(), "y", ys.build()), "mod " + dtype,
                PtxDifferentialTest::runOnPtx);
    }

    /** sin and cos reduce exactly below 2^20; beyond, the backend reports a run-time error. */
    private static final double TRIG_LIMIT = 0x1p20;

    /**
     * Specials, edges (points near multiples of pi/2 among them) and 4,000 random points, half of
     * them of random magnitude, half in [-30, 30]; finite values from {@code limit} on are left out.
     */
    private static HostTensor sweep(DType dtype, Random random, double limit) {
        double[] specials = {0.0, -0.0, 1, -1, 2, 0.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, 1e-20, -1e-20, 1e-9, -0.999999,
                709.78, 709.79, -708.4, -745.1, -745.2, 88.7, 88.8, -87.3, -103.9, -104, 22, -22, 19, 1e300, Double.MAX_VALUE,
                0.34657359, -0.34657359, Math.log(2), 1 + 1e-15, 1 - 1e-16, Float.MIN_VALUE, Float.MIN_NORMAL,
                Math.PI, -Math.PI, Math.PI / 2, 2 * Math.PI, 3 * Math.PI / 2, 355, 103993, 1e5 * Math.PI, 1048575.9};
        double[] kept = java.util.Arrays.stream(specials).filter(v -> !(Math.abs(v) >= limit) || Double.isInfinite(v)).toArray();
        int n = kept.length + 4000;
        HostTensor.Writer w = HostTensor.writer(dtype, new int[] {n});
        for (int i = 0; i < kept.length; i++) {
            w.setDouble(i, kept[i]);
        }
        int maxExponent = (int) Math.min(dtype == DType.FLOAT32 ? 125 : 1020, Math.getExponent(Math.min(limit, Double.MAX_VALUE)) - 1);
        for (int i = kept.length; i < n; i++) {
            double v = i % 2 == 0 ? (random.nextDouble() * 60 - 30)
                    : Math.scalb(random.nextDouble() + 1, random.nextInt(maxExponent + (dtype == DType.FLOAT32 ? 125 : 1020))
                    - (dtype == DType.FLOAT32 ? 125 : 1020));
            w.setDouble(i, random.nextBoolean() ? v : -v);
        }
        return w.build();
    }

    /** Beyond the exact reduction, sin and cos stop with an error instead of answering wrongly. */
    @Test
    void trigBeyondTheReducedRangeIsAnError() {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value in = fb.input("x", TensorType.of(DType.FLOAT64, 2));
        Function f = fb.output("y", fb.add(Op.SIN, Attributes.empty(), in)).build();
        io.jitflow.ir.EvaluationException e = org.junit.jupiter.api.Assertions.assertThrows(io.jitflow.ir.EvaluationException.class,
                () -> PtxDifferentialTest.runOnPtx(f, InferenceContext.NO_VARIABLES,
                        Map.of("x", HostTensor.of(new double[] {1, 3e6}, 2)), new VariableStore()));
        org.junit.jupiter.api.Assertions.assertEquals("sin: |x| >= 2^20 is not supported by the CUDA backend yet", e.getMessage());
    }
}
