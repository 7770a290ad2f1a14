package io.jitflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.DType;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.VariableStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jf.cond, whileLoop and scan: eager (the lambdas run) and traced (regions, compiled) agree, and gradients flow. */
class ControlFlowTest {
    private static final Tensor XS = Jf.constant(new double[][] {{0.5, 1.0}, {-0.2, 0.3}, {0.4, -0.6}});

    /** h' = tanh(h * w + x_t), outputs h' * x_t: the final h, then the stacked outputs. */
    private static List<Tensor> rnn(Tensor h0, Tensor xs, Tensor w) {
        return Jf.scan((c, x) -> {
            Tensor h = Jf.tanh(c.get(0).mul(w).add(x.get(0)));
            return List.of(h, h.mul(x.get(0)));
        }, List.of(h0), List.of(xs));
    }

    @Test
    void condTracedPicksABranchAtRunTime() {
        JitFunction f = Jit.function((Tensor x) -> Jf.cond(Jf.greater(x.sum(), Jf.constant(0.0)), () -> x.mul(2.0),
                () -> x.neg()));
        assertArrayEquals(new double[] {2, 4}, f.call(Jf.constant(new double[] {1, 2})).toDoubleArray());
        assertArrayEquals(new double[] {1, 1.5}, f.call(Jf.constant(new double[] {-1, -1.5})).toDoubleArray());
        Node cond = f.tracedGraph(Jf.constant(new double[] {1, 2})).functions().get(0).nodes().stream()
                .filter(n -> n.op() == Op.COND).findFirst().orElseThrow();
        assertEquals(List.of("then", "else"), cond.regions().stream().map(io.jitflow.ir.Function::name).toList());
    }

    @Test
    void whileLoopRunsInTheCompiledCode() {
        JitFunction f = Jit.function((Tensor x) -> Jf.whileLoop(s -> Jf.less(s.get(0), Jf.constant(100.0)),
                s -> List.of(s.get(0).mul(2.0)), x).get(0));
        assertEquals(192.0, f.call(Jf.constant(3.0)).doubleValue());
        assertEquals(160.0, f.call(Jf.constant(5.0)).doubleValue());
        assertEquals(1, f.traceCount(), "one trace for any number of iterations");
        List<Tensor> eager = Jf.whileLoop(s -> Jf.less(s.get(0), Jf.constant(100.0)), s -> List.of(s.get(0).mul(2.0)), 3,
                Jf.constant(3.0));
        assertEquals(24.0, eager.get(0).doubleValue(), "at most 3 iterations");
    }

    @Test
    void scanTracedEqualsScanEager() {
        Tensor h0 = Jf.constant(new double[] {0.1, -0.3});
        Tensor w = Jf.constant(new double[] {0.7, 1.2});
        List<Tensor> eager = rnn(h0, XS, w);
        List<Tensor> traced = Jit.function("rnn", args -> rnn(args.get(0), args.get(1), args.get(2))).callAll(h0, XS, w);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(eager.get(i).toDoubleArray(), traced.get(i).toDoubleArray(), 1e-15);
        }
        List<Tensor> backwards = Jf.scan((c, x) -> List.of(c.get(0).add(x.get(0)), c.get(0)), List.of(Jf.constant(0.0)),
                List.of(Jf.constant(new double[] {1, 2, 3})), true);
        assertArrayEquals(new double[] {5, 3, 0}, backwards.get(1).toDoubleArray());
    }

    @Test
    void regionsCaptureOuterTensorsAndVariables() {
        Variable scale = new Variable(Jf.constant(3.0), "scale", true);
        JitFunction f = Jit.function((Tensor x) -> Jf.scan((c, xs) -> List.of(c.get(0).add(xs.get(0).mul(scale)).add(x)),
                List.of(Jf.constant(0.0)), List.of(Jf.constant(new double[] {1, 2}))).get(0));
        assertEquals(9.0 + 2 * 0.5, f.call(Jf.constant(0.5)).doubleValue());
        scale.assign(Jf.constant(1.0));
        assertEquals(3.0 + 1.0, f.call(Jf.constant(0.5)).doubleValue(), "the variable is read at each call");
    }

    @Test
    void aJavaIfOnASymbolicTensorNamesTheFix() {
        JitFunction f = Jit.function((Tensor x) -> Jf.greater(x, Jf.constant(0.0)).booleanValue() ? x : x.neg());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.call(Jf.constant(1.0)));
        assertTrue(e.getMessage().contains("use Jf.cond, Jf.whileLoop or Jf.scan"), e.getMessage());
    }

    @Test
    void assigningAVariableInsideARegionIsRefused() {
        Variable v = new Variable(Jf.constant(0.0), "v", false);
        JitFunction f = Jit.function((Tensor x) -> Jf.cond(Jf.greater(x, Jf.constant(0.0)), () -> {
            v.assign(x);
            return x;
        }, () -> x));
        RuntimeException e = assertThrows(RuntimeException.class, () -> f.call(Jf.constant(1.0)));
        assertTrue(e.getMessage().contains("cannot assign variable 'v' inside then"), e.getMessage());
    }

    /** d/dh0 of sum(rnn outputs), then the gradient of that sum again: second order through a scan. */
    private static List<Tensor> secondOrder(Tensor h0, Tensor xs, Tensor w) {
        try (GradientTape outer = new GradientTape()) {
            outer.watch(h0, xs, w);
            Tensor g;
            try (GradientTape inner = new GradientTape()) {
                inner.watch(h0, xs, w);
                List<Tensor> r = rnn(h0, xs, w);
                g = inner.gradient(r.get(1).sum().add(r.get(0).sum()), h0);
            }
            return outer.gradient(g.sum(), List.of(h0, xs, w));
        }
    }

    @Test
    void secondOrderThroughAScanInATracedFunctionEqualsTheEagerLoop() {
        Tensor h0 = Jf.constant(new double[] {0.1, -0.3});
        Tensor w = Jf.constant(new double[] {0.7, 1.2});
        List<Tensor> eager = secondOrder(h0, XS, w);
        JitFunction f = Jit.function("second", args -> secondOrder(args.get(0), args.get(1), args.get(2)));
        List<Tensor> compiled = f.callAll(h0, XS, w);
        Graph traced = f.tracedGraph(h0, XS, w);
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        List<Tensor> args = List.of(h0, XS, w);
        for (int i = 0; i < 3; i++) {
            feed.put(traced.functions().get(0).inputs().get(i).name(), args.get(i).toHostTensor());
        }
        List<HostTensor> reference = List.copyOf(Interpreter.run(traced.functions().get(0), feed, new VariableStore()).values());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(eager.get(i).toDoubleArray(), compiled.get(i).toDoubleArray(), 1e-12, "input " + i);
            assertArrayEquals(reference.get(i).toDoubleArray(), compiled.get(i).toDoubleArray(), 0, "input " + i);
        }
    }

    /** Bytes this thread allocates while {@code body} runs. */
    private static long allocatedBy(Runnable body) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        body.run();
        return threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
    }

    /**
     * A loop's iterations reuse the arrays of the ones before (their outputs and scanned steps, once
     * nothing reads them): 200 iterations over a 256 KB carry allocate a few carries' worth, not 200.
     * On int32 values, whose kernels are scalar loops: vector code allocates vector objects until
     * HotSpot has compiled it, which would make the count depend on the JIT's progress.
     */
    @Test
    void loopsAllocateTheirArraysOnce() {
        int n = 65_536;
        JitFunction whileLoop = Jit.function((Tensor x) -> Jf.whileLoop(s -> Jf.less(s.get(1), Jf.constant(200)),
                s -> List.of(s.get(0).add(Jf.constant(3)), s.get(1).add(Jf.constant(1))), x, Jf.constant(0)).get(0));
        Tensor x = Jf.zeros(DType.INT32, n);
        for (int i = 0; i < 3; i++) {
            whileLoop.call(x);
        }
        long bytes = allocatedBy(() -> whileLoop.call(x));
        assertTrue(bytes < 20L * 4 * n, "200 iterations allocated " + bytes + " bytes");
        assertEquals(600, whileLoop.call(x).toIntArray()[7]);
        JitFunction scan = Jit.function((Tensor xs) -> Jf.scan((c, s) -> List.of(c.get(0).add(s.get(0))),
                List.of(Jf.zeros(DType.INT32, n / 4)), List.of(xs)).get(0));
        Tensor xs = Jf.ones(DType.INT32, 200, n / 4);
        for (int i = 0; i < 3; i++) {
            scan.call(xs);
        }
        long scanBytes = allocatedBy(() -> scan.call(xs));
        assertTrue(scanBytes < 20L * n, "200 steps allocated " + scanBytes + " bytes");
        assertEquals(200, scan.call(xs).toIntArray()[5]);
    }

    @Test
    void anUnboundedWhileHasNoGradient() {
        Tensor x = Jf.constant(2.0);
        JitFunction f = Jit.function((Tensor t) -> {
            try (GradientTape tape = new GradientTape()) {
                tape.watch(t);
                Tensor y = Jf.whileLoop(s -> Jf.less(s.get(0), Jf.constant(10.0)), s -> List.of(s.get(0).mul(t)), t).get(0);
                return tape.gradient(y, t);
            }
        });
        RuntimeException e = assertThrows(RuntimeException.class, () -> f.call(x));
        assertTrue(e.getMessage().contains("a loop without max_iterations has no gradient"), e.getMessage());
    }

    @Test
    void aBoundedWhileDifferentiates() {
        // x -> x^(2^k) for the k doublings it takes to pass 10: from 2, 2 -> 4 -> 16, so y = x^4 and dy/dx = 4x^3 = 32.
        JitFunction f = Jit.function((Tensor t) -> {
            try (GradientTape tape = new GradientTape()) {
                tape.watch(t);
                Tensor y = Jf.whileLoop(s -> Jf.less(s.get(0), Jf.constant(10.0)), s -> List.of(s.get(0).mul(s.get(0))),
                        8, t).get(0);
                return tape.gradient(y, t);
            }
        });
        assertEquals(32.0, f.call(Jf.constant(2.0)).doubleValue(), 1e-12);
    }
}
