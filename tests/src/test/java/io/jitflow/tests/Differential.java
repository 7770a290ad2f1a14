package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import java.util.Map;

/**
 * Runs a function on the reference interpreter and compiled, and requires the same results bit
 * for bit (any NaN matching any NaN), the same variable updates, or the same kind of run-time error.
 */
final class Differential {
    private Differential() {
    }

    /** A compiled backend: compiles and runs a function over host values. */
    @FunctionalInterface
    interface Backend {
        Map<String, HostTensor> run(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                    VariableStore variables);
    }

    /** The CPU backend. */
    static void check(Graph graph, Function f, Map<String, HostTensor> inputs, String what) {
        check(graph, f, inputs, what, Compiled::run);
    }

    static void check(Graph graph, Function f, Map<String, HostTensor> inputs, String what, Backend backend) {
        check(graph, f, inputs, what, backend, Tolerance.EXACT);
    }

    /**
     * How far a float may be from the reference: {@code ulps} units in its last place, or
     * {@code ofLargest} times the largest magnitude in its tensor (for sums combined in another order,
     * where cancellation makes a small result's last places meaningless).
     */
    record Tolerance(int ulps, double ofLargest) {
        static final Tolerance EXACT = new Tolerance(0, 0);

        Tolerance orLooser(Tolerance other) {
            return new Tolerance(Math.max(ulps, other.ulps), Math.max(ofLargest, other.ofLargest));
        }
    }

    /** As {@link #check}, with floats allowed to differ within {@code tolerance}. */
    static void check(Graph graph, Function f, Map<String, HostTensor> inputs, String what, Backend backend,
                      Tolerance tolerance) {
        VariableStore expectedState = VariableStore.initialValues(graph);
        Map<String, HostTensor> expected;
        try {
            expected = Interpreter.run(f, inputs, expectedState);
        } catch (EvaluationException e) {
            assertThrows(EvaluationException.class, () -> backend.run(f, graph.inferenceContext(), inputs,
                    VariableStore.initialValues(graph)), what + ": the reference fails with " + e.getMessage());
            return;
        }
        VariableStore actualState = VariableStore.initialValues(graph);
        Map<String, HostTensor> actual = backend.run(f, graph.inferenceContext(), inputs, actualState);
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, e) -> assertSame(e, actual.get(name), what + ", output " + name, tolerance));
        expectedState.asMap().forEach((name, e) -> assertSame(e, actualState.get(name), what + ", variable @" + name,
                tolerance));
    }

    static void assertSame(HostTensor expected, HostTensor actual, String what) {
        assertSame(expected, actual, what, Tolerance.EXACT);
    }

    static void assertSame(HostTensor expected, HostTensor actual, String what, Tolerance tolerance) {
        assertEquals(expected.type(), actual.type(), what + ": type");
        double largest = 0;
        for (int i = 0; i < expected.size() && tolerance.ofLargest() > 0; i++) {
            double v = Math.abs(expected.getDouble(i));
            largest = Double.isFinite(v) ? Math.max(largest, v) : largest;
        }
        for (int i = 0; i < expected.size(); i++) {
            boolean bothNaN = expected.dtype().isFloating() && Double.isNaN(expected.getDouble(i))
                    && Double.isNaN(actual.getDouble(i));
            boolean close = ulpsApart(expected, actual, i) <= tolerance.ulps() || expected.dtype().isFloating()
                    && Math.abs(expected.getDouble(i) - actual.getDouble(i)) <= tolerance.ofLargest() * largest;
            if (!bothNaN && expected.getBits(i) != actual.getBits(i) && !close) {
                throw new AssertionError(what + ": element " + i + " is " + actual.getDouble(i) + " (bits 0x"
                        + Long.toHexString(actual.getBits(i)) + "), the reference gives " + expected.getDouble(i)
                        + " (bits 0x" + Long.toHexString(expected.getBits(i)) + ")\nreference: " + expected
                        + "\ncompiled:  " + actual);
            }
        }
    }

    /** How many representable values lie between two floats of the same sign (infinite across signs or for ints). */
    static long ulpsApart(HostTensor expected, HostTensor actual, int i) {
        if (!expected.dtype().isFloating()) {
            return Long.MAX_VALUE;
        }
        long a = expected.getBits(i);
        long b = actual.getBits(i);
        long signBit = expected.dtype() == io.jitflow.ir.DType.FLOAT64 ? Long.MIN_VALUE
                : expected.dtype() == io.jitflow.ir.DType.FLOAT32 ? 0x8000_0000L : 0x8000L;
        if ((a & signBit) != (b & signBit)) {
            return Long.MAX_VALUE;
        }
        return Math.abs(a - b);
    }
}
