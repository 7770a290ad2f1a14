package io.jitflow.runtime;

import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Float16;

/**
 * scatter_add on host arrays, for generated code: out = x with each update added at the position
 * gather(x, indices) would read it from. Sums are kept in float64 (integers in int64) and rounded
 * (or wrapped) to the dtype once per element, as the op's definition says, so repeated indices give
 * the reference's bits.
 */
final class ScatterAdd {
    private ScatterAdd() {
    }

    static void run(Object x, int[] xShape, Object indices, int[] indexShape, Object updates, int[] updateShape,
                    Object out, int axis, int batchDims) {
        int count = java.lang.reflect.Array.getLength(x);
        boolean floating = x instanceof float[] || x instanceof double[] || x instanceof short[];
        double[] sums = floating ? new double[count] : null;
        long[] totals = floating ? null : new long[count];
        for (int i = 0; i < count; i++) {
            if (floating) {
                sums[i] = doubleAt(x, i);
            } else {
                totals[i] = longAt(x, i);
            }
        }
        int[] xStrides = strides(xShape);
        int[] indexStrides = strides(indexShape);
        int indexRank = indexShape.length - batchDims;
        int[] coord = new int[updateShape.length];
        int updateCount = java.lang.reflect.Array.getLength(updates);
        for (int u = 0; u < updateCount; u++) {
            int indexAt = 0;
            for (int d = 0; d < batchDims; d++) {
                indexAt += coord[d] * indexStrides[d];
            }
            for (int d = 0; d < indexRank; d++) {
                indexAt += coord[axis + d] * indexStrides[batchDims + d];
            }
            long index = longAt(indices, indexAt);
            if (index < 0 || index >= xShape[axis]) {
                throw new EvaluationException("scatter_add: index out of range [0, " + xShape[axis] + ") for axis " + axis);
            }
            int target = (int) index * xStrides[axis];
            for (int d = 0; d < axis; d++) {
                target += coord[d] * xStrides[d];
            }
            for (int d = axis + 1; d < xShape.length; d++) {
                target += coord[d - 1 + indexRank] * xStrides[d];
            }
            if (floating) {
                sums[target] += doubleAt(updates, u);
            } else {
                totals[target] += longAt(updates, u);
            }
            for (int d = coord.length - 1; d >= 0 && ++coord[d] == updateShape[d]; d--) {
                coord[d] = 0;
            }
        }
        for (int i = 0; i < count; i++) {
            if (out instanceof float[] f) {
                f[i] = (float) sums[i];
            } else if (out instanceof double[] f) {
                f[i] = sums[i];
            } else if (out instanceof short[] h) {
                h[i] = Float16.fromDouble(sums[i]);
            } else if (out instanceof int[] n) {
                n[i] = (int) totals[i];
            } else if (out instanceof long[] n) {
                n[i] = totals[i];
            } else {
                ((byte[]) out)[i] = (byte) totals[i];
            }
        }
    }

    private static int[] strides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    private static double doubleAt(Object array, int i) {
        if (array instanceof float[] f) {
            return f[i];
        } else if (array instanceof double[] f) {
            return f[i];
        }
        return Float16.toFloat(((short[]) array)[i]);
    }

    /** An integer element; uint8 reads unsigned. */
    private static long longAt(Object array, int i) {
        if (array instanceof int[] n) {
            return n[i];
        } else if (array instanceof long[] n) {
            return n[i];
        }
        return ((byte[]) array)[i] & 0xff;
    }
}
