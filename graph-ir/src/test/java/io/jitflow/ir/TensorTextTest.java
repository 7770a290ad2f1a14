package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Expected strings are what NumPy 2.4 prints for the same arrays. */
class TensorTextTest {
    @Test
    void formatsLikeNumPy() {
        assertEquals("[[1. 2.]\n [3. 4.]]", TensorText.format(HostTensor.of(new float[] {1, 2, 3, 4}, 2, 2)));
        assertEquals("[-1.5625 -0.375   0.5   ]", TensorText.format(HostTensor.of(new float[] {-1.5625f, -0.375f, 0.5f}, 3)));
        assertEquals("[ 1 -2 30]", TensorText.format(HostTensor.of(new int[] {1, -2, 30}, 3)));
        assertEquals("[ True False]", TensorText.format(HostTensor.of(new boolean[] {true, false}, 2)));
        assertEquals("3.5", TensorText.format(HostTensor.of(new double[] {3.5})));
        assertEquals("[0.1]", TensorText.format(HostTensor.of(new float[] {0.1f}, 1)));
        assertEquals("[nan inf]", TensorText.format(HostTensor.of(new double[] {Double.NaN, Double.POSITIVE_INFINITY}, 2)));
        assertEquals("[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]", TensorText.format(HostTensor.of(new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 2, 2, 2)));
        assertEquals("[]", TensorText.format(HostTensor.zeros(DType.FLOAT32, 0)));
    }

    @Test
    void summarizesLargeTensors() {
        int[] values = new int[2000];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        String s = TensorText.format(HostTensor.of(values, 2000));
        assertEquals("[   0    1    2 ... 1997 1998 1999]", s);
        String m = TensorText.format(HostTensor.of(values, 100, 20));
        assertTrue(m.startsWith("[[   0    1    2 ...   17   18   19]\n [  20   21   22 ...   37   38   39]\n"), m);
        assertTrue(m.contains("\n ...\n"), m);
    }
}
