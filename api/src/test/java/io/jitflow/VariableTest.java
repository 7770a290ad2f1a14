package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VariableTest {
    @Test
    void assignAddSubAndRead() {
        Variable v = new Variable(constant(new float[] {1, 2}), "v", true);
        v.assign(constant(new float[] {3, 4}));
        assertArrayEquals(new float[] {3, 4}, v.asTensor().toFloatArray());
        v.assignAdd(constant(new float[] {1, 1}));
        v.assignSub(constant(new float[] {0.5f, 0.5f}));
        assertArrayEquals(new float[] {3.5f, 4.5f}, v.asTensor().toFloatArray());
        assertArrayEquals(new float[] {7, 9}, v.add(v).toFloatArray(), "variables work wherever a tensor does");
        assertEquals("<tf.Variable 'v' shape=(2,) dtype=float32, numpy=[3.5 4.5]>", v.toString());
    }

    @Test
    void sliceAssignment() {
        Variable v = new Variable(Jf.zeros(Jf.constant(0).dtype(), 2, 3));
        v.assign("0, 1", constant(42));
        v.assign(":, 2", constant(new int[] {7, 8}));
        assertArrayEquals(new int[] {0, 42, 7, 0, 0, 8}, v.asTensor().toIntArray());
        v.assign("1, ::2", constant(-1));
        assertArrayEquals(new int[] {0, 42, 7, -1, 0, -1}, v.asTensor().toIntArray());
    }

    @Test
    void dtypeAndShapeAreFixed() {
        Variable v = new Variable(constant(new float[] {1, 2}), "w", true);
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> v.assign(constant(new double[] {1, 2})));
        assertEquals("assign_variable: cannot assign a value of type float64[2] to variable 'w' of type float32[2]",
                dtype.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> v.assign(constant(new float[] {1, 2, 3})));
        assertTrue(shape.getMessage().contains("float32[3] to variable 'w' of type float32[2]"), shape.getMessage());
        IllegalArgumentException slice = assertThrows(IllegalArgumentException.class, () -> v.assign("0", constant(1)));
        assertTrue(slice.getMessage().contains("needs a float32 value, got int32[]"), slice.getMessage());
    }
}
