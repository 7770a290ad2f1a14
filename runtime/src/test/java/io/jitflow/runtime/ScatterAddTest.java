package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The runtime's scatter_add against the op's reference semantics, bit for bit. */
class ScatterAddTest {
    private static HostTensor random(DType dtype, int[] shape, Random random) {
        HostTensor.Writer w = HostTensor.writer(dtype, shape);
        int n = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        for (int i = 0; i < n; i++) {
            if (dtype.isFloating()) {
                w.setDouble(i, random.nextGaussian() * 1e3);
            } else {
                w.setLong(i, random.nextInt(1 << 20) - (1 << 19));
            }
        }
        return w.build();
    }

    private static void check(DType dtype, int[] xShape, HostTensor indices, int axis, int batchDims, long seed) {
        Random random = new Random(seed);
        HostTensor x = random(dtype, xShape, random);
        Attributes attrs = Attributes.builder().put("axis", axis).put("batch_dims", batchDims).build();
        java.util.List<Integer> dims = new java.util.ArrayList<>();
        for (int d = 0; d < axis; d++) {
            dims.add(xShape[d]);
        }
        for (int d = batchDims; d < indices.rank(); d++) {
            dims.add(indices.dim(d));
        }
        for (int d = axis + 1; d < xShape.length; d++) {
            dims.add(xShape[d]);
        }
        int[] updateShape = dims.stream().mapToInt(Integer::intValue).toArray();
        HostTensor updates = random(dtype, updateShape, random);
        HostTensor expected = Op.SCATTER_ADD.definition().evaluation()
                .evaluate(new EvalCall(Op.SCATTER_ADD, List.of(x, indices, updates), attrs, null)).get(0);
        Object out = java.lang.reflect.Array.newInstance(x.storage().getClass().getComponentType(), x.size());
        KernelSupport.scatterAdd(x.storage(), xShape, indices.storage(), indices.shape(), updates.storage(), updateShape,
                out, axis, batchDims);
        assertEquals(expected, HostTensor.wrap(dtype, xShape, out), dtype + " axis " + axis + " batch_dims " + batchDims);
    }

    @Test
    void matchesTheReferenceForEveryDtypeWithRepeatedIndices() {
        HostTensor repeated = HostTensor.of(new int[] {0, 2, 2, 4, 0, 0}, 6);
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.FLOAT16, DType.INT32, DType.INT64, DType.UINT8)) {
            check(dtype, new int[] {5, 3}, repeated, 0, 0, 1);
            check(dtype, new int[] {3, 5}, repeated, 1, 0, 2);
        }
    }

    @Test
    void matchesTheReferenceWithBatchDims() {
        HostTensor indices = HostTensor.of(new long[] {1, 1, 4, 0, 3, 3}, 2, 3);
        check(DType.FLOAT32, new int[] {2, 5, 3}, indices, 1, 1, 3);
        check(DType.INT64, new int[] {2, 5, 3}, indices, 1, 1, 4);
    }

    @Test
    void anIndexOutOfRangeIsARunTimeError() {
        EvaluationException e = assertThrows(EvaluationException.class, () -> KernelSupport.scatterAdd(new float[4],
                new int[] {4}, new int[] {4}, new int[] {1}, new float[1], new int[] {1}, new float[4], 0, 0));
        assertEquals("scatter_add: index out of range [0, 4) for axis 0", e.getMessage());
        float[] out = new float[4];
        KernelSupport.scatterAdd(new float[] {1, 2, 3, 4}, new int[] {4}, new int[] {3, 3}, new int[] {2},
                new float[] {10, 20}, new int[] {2}, out, 0, 0);
        assertArrayEquals(new float[] {1, 2, 3, 34}, out);
    }
}
