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
        check(graph, f, inputs, what, backend, 0);
    }

    /** As {@link #check}, with floats allowed to differ by {@code maxUlps} units in the last place. */
    static void check(Graph graph, Function f, Map<String, HostTensor> inputs, String what, Backend backend, int maxUlps) {
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
        expected.forEach((name, e) -> assertSame(e, actual.get(name), what + ", output " + name, maxUlps));
        expectedState.asMap().forEach((name, e) -> assertSame(e, actualState.get(name), what + ", variable @" + name,
                maxUlps));
    }

    static void assertSame(HostTensor expected, HostTensor actual, String what) {
        assertSame(expected, actual, what, 0);
    }

    static void assertSame(HostTensor expected, HostTensor actual, String what, int maxUlps) {
        assertEquals(expected.type(), actual.type(), what + ": type");
        for (int i = 0; i < expected.size(); i++) {
            boolean bothNaN = expected.dtype().isFloating() && Double.isNaN(expected.getDouble(i))
                    && Double.isNaN(actual.getDouble(i));
            if (!bothNaN && expected.getBits(i) != actual.getBits(i) && ulpsApart(expected, actual, i) > maxUlps) {
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
