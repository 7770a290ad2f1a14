package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.DType;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.OpTypeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorTest {
    @Test
    void javaValuesMakeTensorsOfTheMatchingDtype() {
        assertEquals(DType.FLOAT32, constant(2f).dtype());
        assertEquals(DType.INT32, constant(40).dtype());
        assertEquals(DType.FLOAT64, constant(2.0).dtype());
        assertEquals(DType.INT64, constant(5L).dtype());
        assertEquals(DType.BOOL, constant(true).dtype());
        Tensor m = constant(new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(new int[] {2, 3}, m.shape());
        assertEquals(2, m.rank());
        assertEquals(6, m.size());
        Tensor cube = constant(new double[][][] {{{1}, {2}}, {{3}, {4}}});
        assertArrayEquals(new int[] {2, 2, 1}, cube.shape());
        assertEquals(DType.UINT8, constant(new byte[] {(byte) 200}).dtype());
        assertEquals(200, constant(new byte[] {(byte) 200}).toIntArray()[0]);
        Tensor converted = constant(new int[] {1, 2}, DType.FLOAT16);
        assertEquals(DType.FLOAT16, converted.dtype());
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> constant(new int[][] {{1, 2}, {3}}));
        assertTrue(ragged.getMessage().contains("ragged"), ragged.getMessage());
    }

    @Test
    void valuesReadBackAsScalarsFlatArraysAndNestedArrays() {
        Tensor m = constant(new float[][] {{1, 2}, {3, 4}});
        assertArrayEquals(new float[] {1, 2, 3, 4}, m.toFloatArray());
        float[][] nested = (float[][]) m.toArray();
        assertEquals(4f, nested[1][1]);
        assertEquals(7L, constant(7L).longValue());
        assertEquals(2.5f, constant(2.5f).floatValue());
        assertEquals(true, constant(true).booleanValue());
        assertEquals(3, constant(3).toArray());
        IllegalStateException e = assertThrows(IllegalStateException.class, m::floatValue);
        assertTrue(e.getMessage().contains("shape [2, 2]"), e.getMessage());
    }

    @Test
    void toStringFollowsTensorFlow() {
        assertEquals("tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)",
                constant(new float[][] {{1, 2}, {3, 4}}).toString());
        assertEquals("tf.Tensor(6.0, shape=(), dtype=float32)", constant(6f).toString());
        assertEquals("tf.Tensor([1 2 3], shape=(3,), dtype=int32)", constant(new int[] {1, 2, 3}).toString());
        assertEquals("tf.Tensor(1e-05, shape=(), dtype=float64)", constant(1e-5).toString());
        assertEquals("tf.Tensor([ True False], shape=(2,), dtype=bool)", constant(new boolean[] {true, false}).toString());
        String large = Jf.range(2000).toString();
        assertEquals("tf.Tensor([   0    1    2 ... 1997 1998 1999], shape=(2000,), dtype=int32)", large);
    }

    @Test
    void mixingDtypesIsAnErrorNamingTheOpAndBothDtypes() {
        OpTypeException e = assertThrows(OpTypeException.class, () -> constant(2f).add(constant(40)));
        assertEquals("add: operands must have the same dtype, got float32[] and int32[] (use cast to convert explicitly)",
                e.getMessage());
        OpTypeException f = assertThrows(OpTypeException.class, () -> constant(2f).mul(constant(2.0)));
        assertTrue(f.getMessage().contains("float32[] and float64[]"), f.getMessage());
        assertEquals(42f, constant(2f).add(constant(40).cast(DType.FLOAT32)).floatValue());
        IllegalArgumentException notInt = assertThrows(IllegalArgumentException.class, () -> constant(1).mul(0.5));
        assertTrue(notInt.getMessage().contains("cannot use 0.5 with a int32 tensor"), notInt.getMessage());
    }

    @Test
    void shapeErrorsNameBothShapes() {
        Tensor a = Jf.ones(2, 3);
        OpTypeException e = assertThrows(OpTypeException.class, () -> a.matmul(a));
        assertEquals("matmul: inner dims must agree: float32[2, 3] times float32[2, 3] contracts 3 with 2", e.getMessage());
        OpTypeException b = assertThrows(OpTypeException.class, () -> a.add(Jf.ones(4)));
        assertTrue(b.getMessage().contains("float32[2, 3] and float32[4]"), b.getMessage());
        EvaluationException div = assertThrows(EvaluationException.class, () -> constant(1).floorDiv(constant(0)));
        assertEquals("floor_div: integer division by zero", div.getMessage());
    }

    @Test
    void factories() {
        assertArrayEquals(new float[] {0, 0, 0, 0}, Jf.zeros(2, 2).toFloatArray());
        assertArrayEquals(new long[] {1, 1}, Jf.ones(DType.INT64, 2).toLongArray());
        assertArrayEquals(new float[] {7, 7}, Jf.fill(DType.FLOAT32, 7, 2).toFloatArray());
        assertArrayEquals(new int[] {2, 4, 6}, Jf.range(2, 8, 2).toIntArray());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1}, Jf.linspace(0, 1, 5).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 1}, Jf.eye(2).toFloatArray());
        Tensor x = constant(new int[][] {{1, 2}});
        assertArrayEquals(new int[] {1, 1}, Jf.onesLike(x).toIntArray());
        assertEquals(DType.INT32, Jf.zerosLike(x).dtype());
        Tensor u = Jf.randomUniform(new int[] {1000}, -1, 1, 5, DType.FLOAT32);
        assertEquals(u.toString(), Jf.randomUniform(new int[] {1000}, -1, 1, 5, DType.FLOAT32).toString());
        Tensor t = Jf.truncatedNormal(new int[] {5000}, 0, 1, 3, DType.FLOAT64);
        assertTrue(Jf.reduceMax(Jf.abs(t)).doubleValue() <= 2, "truncated at two standard deviations");
        Tensor n = Jf.randomNormal(new int[] {5000}, 10, 2);
        assertEquals(10, n.mean().floatValue(), 0.15);
    }

    @Test
    void opsAsFunctionsAndMethods() {
        Tensor x = constant(new float[][] {{1, 2}, {3, 4}});
        assertArrayEquals(new float[] {4, 6}, x.sum(0).toFloatArray());
        assertArrayEquals(new float[] {1.5f, 3.5f}, x.mean(1).toFloatArray());
        assertArrayEquals(new float[] {1, 3, 2, 4}, x.transpose().toFloatArray());
        assertArrayEquals(new long[] {1, 1}, x.argmax(1).toLongArray());
        Tensor y = Jf.concat(java.util.List.of(x, x), 0);
        assertArrayEquals(new int[] {4, 2}, y.shape());
        Tensor s = Jf.stack(java.util.List.of(x, x), 0);
        assertArrayEquals(new int[] {2, 2, 2}, s.shape());
        assertArrayEquals(new float[] {7, 10, 15, 22}, x.matmul(x).toFloatArray());
        assertArrayEquals(new float[] {1, 2, 3, 4}, x.reshape(-1).toFloatArray());
        Tensor w = Jf.where(x.greater(constant(2f)), x, Jf.zerosLike(x));
        assertArrayEquals(new float[] {0, 0, 3, 4}, w.toFloatArray());
    }

    @Test
    void numpyStyleIndexing() {
        Tensor x = Jf.range(24).reshape(2, 3, 4);
        assertArrayEquals(new int[] {3, 4}, x.slice("1").shape());
        assertEquals(23, x.slice("-1, -1, -1").intValue());
        assertArrayEquals(new int[] {1, 5, 9}, x.slice("0, :, 1").toIntArray());
        assertArrayEquals(new int[] {3, 2, 1, 0}, x.slice("0, 0, ::-1").toIntArray());
        assertArrayEquals(new int[] {2, 3, 1, 4}, x.slice(":, :, None").shape());
        assertArrayEquals(new int[] {2, 3}, x.slice("..., 2").shape());
        assertArrayEquals(new int[] {12, 14}, x.slice("1, 0, 0:4:2").toIntArray());
        assertArrayEquals(new int[] {13, 17}, x.get(Index.at(1), Index.range(0L, 2L, 1), Index.at(1)).toIntArray());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.slice("2"));
        assertEquals("index 2 is out of bounds for dim 0 with size 2", e.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class, () -> x.slice("0, 0, 0, 0"));
        assertTrue(many.getMessage().contains("too many indices for a tensor of rank 3"), many.getMessage());
    }

    @Test
    void npyRoundTrip(@TempDir Path dir) throws Exception {
        Tensor x = constant(new double[][] {{1.5, -2}, {0, 3}});
        x.writeNpy(dir.resolve("x.npy"));
        assertEquals(x.toString(), Jf.readNpy(dir.resolve("x.npy")).toString());
    }
}
