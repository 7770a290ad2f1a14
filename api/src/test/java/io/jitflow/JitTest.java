package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.DType;
import io.jitflow.ir.Op;
import io.jitflow.ir.OpTypeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Tracing Java functions: caching per signature, retrace reasons, variables, gradients, threads. */
class JitTest {
    @Test
    void compileTracesAndGeneratesCodeWithoutRunning() {
        int[] runs = {0};
        JitFunction f = Jit.function(x -> {
            runs[0]++;
            return x.mul(2);
        });
        Tensor x = constant(new float[] {1, 2});
        assertEquals(f, f.compile(x));
        assertEquals(1, f.traceCount());
        assertEquals(1, runs[0], "the Java body ran once, to trace");
        assertArrayEquals(new float[] {2, 4}, f.call(x).toFloatArray());
        assertEquals(1, f.traceCount(), "the call used the compiled signature");
    }

    @Test
    void tracesOncePerSignature() {
        AtomicInteger traces = new AtomicInteger();
        JitFunction f = Jit.function((Tensor x) -> {
            traces.incrementAndGet();   // Java side effects run while tracing only
            return x.square().add(1.0);
        });
        assertArrayEquals(new double[] {2, 5}, f.call(constant(new double[] {1, 2})).toDoubleArray());
        assertArrayEquals(new double[] {10, 17}, f.call(constant(new double[] {3, 4})).toDoubleArray());
        assertEquals(1, traces.get(), "the same signature does not retrace");
        assertNull(f.lastRetraceReason());
        f.call(constant(new double[] {1, 2, 3}));
        assertEquals(2, f.traceCount());
        assertEquals("argument 0 changed dim 0 from 2 to 3", f.lastRetraceReason());
        f.call(constant(new float[] {1, 2, 3}));
        assertEquals("argument 0 changed dtype from float64 to float32", f.lastRetraceReason());
        f.call(constant(new float[][] {{1}}));
        assertEquals("argument 0 changed rank from 1 (float32[3]) to 2 (float32[1, 1])", f.lastRetraceReason());
        assertEquals(4, traces.get());
    }

    @Test
    void anUnknownDimTracesOnceForEveryBatchSize() {
        JitFunction f = Jit.function("scale", args -> List.of(args.get(0).mul(2f).sum(1)),
                TensorSpec.of(DType.FLOAT32, "batch", 3));
        for (int batch = 1; batch <= 5; batch++) {
            Tensor y = f.call(Jf.ones(batch, 3));
            assertArrayEquals(new int[] {batch}, y.shape());
            assertEquals(6f, y.toFloatArray()[0]);
        }
        assertEquals(1, f.traceCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.call(Jf.ones(2, 4)));
        assertEquals("function 'scale': argument 0 is float32[2, 4], which does not match its declared "
                + "TensorSpec(float32[batch, 3])", e.getMessage());
    }

    /** Inside a trace an unknown dim reads -1 from shape() (TensorFlow's None); Jf.shape gives each call's size. */
    @Test
    void unknownDimsReadMinusOneAndJfShapeGivesTheirSize() {
        int[][] seen = new int[1][];
        JitFunction f = Jit.function("shapes", args -> {
            Tensor x = args.get(0);
            seen[0] = x.shape();
            Tensor rows = Jf.gather(Jf.shape(x), Jf.constant(0), 0);
            return List.of(Jf.shape(x), x.sum(1).div(rows.cast(DType.FLOAT32)));
        }, TensorSpec.of(DType.FLOAT32, "batch", 3));
        for (int batch : new int[] {2, 5}) {
            List<Tensor> out = f.callAll(Jf.ones(batch, 3));
            assertArrayEquals(new int[] {batch, 3}, out.get(0).toIntArray());
            assertEquals(3f / batch, out.get(1).toFloatArray()[0], 1e-6f);
        }
        assertArrayEquals(new int[] {-1, 3}, seen[0]);
        assertEquals(1, f.traceCount());
        assertArrayEquals(new int[] {4, 2}, Jf.shape(Jf.zeros(4, 2)).toIntArray(), "eagerly, the static shape");
        assertArrayEquals(new int[0], Jf.shape(Jf.constant(1f)).toIntArray());
    }

    @Test
    void theTracedGraphIsReadable() {
        JitFunction f = Jit.function((Tensor x) -> x.mul(2.0).relu());
        String text = f.graphText(constant(new double[] {1, -1}));
        assertTrue(text.contains("func @function(%arg0 : float64[2]) -> (output : float64[2]) {"), text);
        assertTrue(text.contains("= relu(%"), text);
    }

    @Test
    void variablesAreGraphStateAndAssignmentsLandWhenTheCallReturns() {
        Variable counter = new Variable(constant(0L), "counter", false);
        Variable total = new Variable(constant(0.0), "total", false);
        JitFunction step = Jit.function((Tensor x) -> {
            Tensor before = counter.asTensor();
            counter.assignAdd(constant(1L));
            total.assign(total.add(x.sum()));
            return before;
        });
        assertEquals(0L, step.call(constant(new double[] {1, 2})).longValue());
        assertEquals(1L, step.call(constant(new double[] {3, 4})).longValue());
        assertEquals(2L, counter.asTensor().longValue());
        assertEquals(10.0, total.asTensor().doubleValue());
        assertEquals(1, step.traceCount(), "variable values are read when the graph runs, not baked in");
    }

    @Test
    void symbolicGradientsEqualEagerOnes() {
        Variable w = new Variable(constant(new double[][] {{0.5, -1}, {2, 0.25}}), "w", true);
        Tensor x = constant(new double[][] {{1, 2}, {3, 4}});
        JitFunction grad = Jit.function((Tensor in) -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor loss = in.matmul(w).tanh().square().sum();
                return tape.gradient(loss, w);
            }
        });
        Tensor traced = grad.call(x);
        Tensor eager;
        try (GradientTape tape = new GradientTape()) {
            Tensor loss = x.matmul(w).tanh().square().sum();
            eager = tape.gradient(loss, w);
        }
        assertArrayEquals(eager.toDoubleArray(), traced.toDoubleArray(), 1e-15);
        assertTrue(grad.graphText(x).contains("matmul(") && grad.graphText(x).contains("transpose_a = true"),
                "the gradient is part of the graph");
    }

    @Test
    void secondOrderGradientsInsideATracedFunctionMatchFiniteDifferences() {
        // f(x) = sum(sin(x) * x^2); the traced function returns d/dx sum(df/dx).
        JitFunction secondOrder = Jit.function((Tensor x) -> {
            try (GradientTape outer = new GradientTape()) {
                outer.watch(x);
                Tensor g;
                try (GradientTape inner = new GradientTape()) {
                    inner.watch(x);
                    g = inner.gradient(x.sin().mul(x.square()).sum(), x);
                }
                return outer.gradient(g.sum(), x);
            }
        });
        double[] xs = {0.3, -1.2, 2.0};
        double[] analytic = secondOrder.call(constant(xs)).toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i];
            double h = 1e-5;
            double expected = (firstDerivative(x + h) - firstDerivative(x - h)) / (2 * h);
            assertEquals(expected, analytic[i], 1e-8);
        }
    }

    private static double firstDerivative(double x) {
        return Math.cos(x) * x * x + 2 * x * Math.sin(x);
    }

    @Test
    void eightThreadsCallOneFunctionConcurrently() throws Exception {
        JitFunction f = Jit.function((Tensor a, Tensor b) -> a.matmul(b).add(1.0));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final double scale = t + 1;
                results.add(pool.submit(() -> {
                    for (int k = 0; k < 20; k++) {
                        Tensor a = constant(new double[][] {{scale, 0}, {0, scale}});
                        Tensor b = constant(new double[][] {{1, 2}, {3, 4}});
                        double[] y = f.call(a, b).toDoubleArray();
                        if (y[0] != scale + 1 || y[3] != 4 * scale + 1) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(1, f.traceCount());
    }

    @Test
    void traceErrorsNameTheOpAndTheUsersLine() {
        JitFunction f = Jit.function((Tensor x) -> x.add(constant(1)));
        OpTypeException e = assertThrows(OpTypeException.class, () -> f.call(constant(new float[] {1})));
        assertTrue(e.getMessage().startsWith("add: operands must have the same dtype, got float32[1] and int32[]"),
                e.getMessage());
        assertTrue(e.getMessage().matches(".*\\(traced at JitTest\\.java:\\d+\\)"), e.getMessage());
        IllegalStateException value = assertThrows(IllegalStateException.class,
                () -> Jit.function((Tensor x) -> constant(x.floatValue())).call(constant(1f)));
        assertTrue(value.getMessage().contains("is symbolic"), value.getMessage());
    }

    @Test
    void retracingOftenSuggestsAnUnknownDim() {
        JitFunction f = Jit.function((Tensor x) -> x.sum());
        for (int n = 1; n <= JitFunction.RETRACE_WARNING_THRESHOLD + 1; n++) {
            f.call(Jf.ones(n, 4));
        }
        String advice = RetraceReason.suggestion(List.of(List.of(Jf.ones(1, 4).type())), List.of(Jf.ones(2, 4).type()));
        assertEquals("Argument 0 takes 2 sizes in dim 0; declare it unknown to trace once: "
                + "TensorSpec.of(FLOAT32, null, 4)", advice);
        assertEquals(Op.REDUCE_SUM, f.tracedGraph(Jf.ones(1, 4)).functions().get(0).nodes().get(0).op());
    }
}
