package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;

/** The orthogonal initializer's arithmetic (see {@link Initializer#ORTHOGONAL}). */
final class Orthogonal {
    private Orthogonal() {
    }

    static Tensor create(int[] shape, long seed) {
        int cols = shape[shape.length - 1];
        int rows = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            rows *= shape[d];
        }
        // Orthonormalize the vectors of the longer side: rows when there are more of them than columns' length allows.
        boolean byRows = rows <= cols;
        int count = byRows ? rows : cols;
        int length = byRows ? cols : rows;
        double[] normal = Jf.randomNormal(new int[] {count, length}, 0, 1, seed, DType.FLOAT64).toDoubleArray();
        for (int v = 0; v < count; v++) {
            for (int u = 0; u < v; u++) {
                double dot = 0;
                for (int i = 0; i < length; i++) {
                    dot += normal[v * length + i] * normal[u * length + i];
                }
                for (int i = 0; i < length; i++) {
                    normal[v * length + i] -= dot * normal[u * length + i];
                }
            }
            double norm = 0;
            for (int i = 0; i < length; i++) {
                norm += normal[v * length + i] * normal[v * length + i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < length; i++) {
                normal[v * length + i] /= norm;
            }
        }
        float[] values = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                values[r * cols + c] = (float) (byRows ? normal[r * cols + c] : normal[c * rows + r]);
            }
        }
        return Jf.constant(values).reshape(shape);
    }
}
