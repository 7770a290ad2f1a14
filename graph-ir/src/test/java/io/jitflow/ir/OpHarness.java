package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Builds one-node functions, runs them on the reference interpreter, and checks results. */
final class OpHarness {
    /** Every op some test evaluated, so a suite can check that none was forgotten. */
    static final Set<Op> EVALUATED = EnumSet.noneOf(Op.class);

    private OpHarness() {
    }

    static HostTensor eval(Op op, Attributes attrs, HostTensor... inputs) {
        EVALUATED.add(op);
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value[] operands = new Value[inputs.length];
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            operands[i] = fb.input("x" + i, inputs[i].type());
            feed.put("x" + i, inputs[i]);
        }
        Value result = fb.add(op, attrs, operands);
        Function f = fb.output("r", result).build();
        Verifier.verify(f, InferenceContext.NO_VARIABLES);
        return Interpreter.run(f, feed, new VariableStore()).get("r");
    }

    static HostTensor eval(Op op, HostTensor... inputs) {
        return eval(op, Attributes.empty(), inputs);
    }

    static TensorType infer(Op op, Attributes attrs, TensorType... operands) {
        Attributes complete = NodeFactory.complete(op, attrs);
        return NodeFactory.infer(op, java.util.List.of(operands), complete, InferenceContext.NO_VARIABLES).get(0);
    }

    static Attributes.Builder attrs() {
        return Attributes.builder();
    }

    static HostTensor f32(float... v) {
        return HostTensor.of(v, v.length);
    }

    static HostTensor f64(double... v) {
        return HostTensor.of(v, v.length);
    }

    static HostTensor i32(int... v) {
        return HostTensor.of(v, v.length);
    }

    static HostTensor i64(long... v) {
        return HostTensor.of(v, v.length);
    }

    static HostTensor bools(boolean... v) {
        return HostTensor.of(v, v.length);
    }

    static HostTensor u8(int... v) {
        HostTensor.Writer w = HostTensor.writer(DType.UINT8, new int[] {v.length});
        for (int i = 0; i < v.length; i++) {
            w.setLong(i, v[i]);
        }
        return w.build();
    }

    static HostTensor f16(double... v) {
        HostTensor.Writer w = HostTensor.writer(DType.FLOAT16, new int[] {v.length});
        for (int i = 0; i < v.length; i++) {
            w.setDouble(i, v[i]);
        }
        return w.build();
    }

    static HostTensor shaped(HostTensor t, int... shape) {
        return t.reshape(shape);
    }

    /** Float results equal {@code expected} to 1e-6 relative (or absolute near 0); NaN matches NaN. */
    static void assertClose(HostTensor actual, double... expected) {
        assertEquals(expected.length, actual.size(), "element count of " + actual);
        for (int i = 0; i < expected.length; i++) {
            double a = actual.getDouble(i);
            double e = expected[i];
            if (Double.isNaN(e)) {
                assertEquals(Double.NaN, a, "element " + i + " of " + actual);
            } else if (Double.isInfinite(e)) {
                assertEquals(e, a, "element " + i + " of " + actual);
            } else {
                assertEquals(e, a, 1e-6 * Math.max(1, Math.abs(e)), "element " + i + " of " + actual);
            }
        }
    }

    static void assertLongs(HostTensor actual, long... expected) {
        assertArrayEquals(expected, actual.toLongArray(), "values of " + actual);
    }

    static void assertBools(HostTensor actual, boolean... expected) {
        assertEquals(DType.BOOL, actual.dtype());
        boolean[] values = new boolean[actual.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = actual.getBool(i);
        }
        assertArrayEquals(expected, values, "values of " + actual);
    }

    static void assertShape(HostTensor actual, DType dtype, int... shape) {
        assertEquals(dtype, actual.dtype(), "dtype of " + actual);
        assertArrayEquals(shape, actual.shape(), "shape of " + actual);
    }
}
