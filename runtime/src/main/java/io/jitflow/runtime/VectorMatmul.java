package io.jitflow.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 matmul micro-kernel on the Vector API: a 4-row by 2-vector block of C stays in eight
 * vector registers while p runs, each step one broadcast of A times two loads of B, fused
 * multiply-add. Sums are kept in float32 (each element still summed in order of p), so results
 * differ from the float64-summing reference by rounding only. Loaded only when the
 * jdk.incubator.vector module is present (see {@link MatmulKernels}).
 */
final class VectorMatmul {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    private VectorMatmul() {
    }

    /** C[from..to) = A x B for row-major A (m x k), B (k x n), C (m x n), at the given offsets. */
    static void rows(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n, int k, int from, int to) {
        int i = from;
        for (; i + 4 <= to; i += 4) {
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                block4(a, aOff + i * k, b, bOff + j, c, cOff + i * n + j, n, k);
            }
            scalarColumns(a, aOff, b, bOff, c, cOff, n, k, i, i + 4, j);
        }
        scalarColumns(a, aOff, b, bOff, c, cOff, n, k, i, to, 0);
    }

    private static void block4(float[] a, int aRow, float[] b, int bCol, float[] c, int cAt, int n, int k) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES);
        FloatVector c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES);
        FloatVector c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES);
        FloatVector c31 = FloatVector.zero(SPECIES);
        for (int p = 0; p < k; p++) {
            int bAt = bCol + p * n;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bAt);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bAt + L);
            FloatVector a0 = FloatVector.broadcast(SPECIES, a[aRow + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, a[aRow + k + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, a[aRow + 2 * k + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, a[aRow + 3 * k + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + L);
        c10.intoArray(c, cAt + n);
        c11.intoArray(c, cAt + n + L);
        c20.intoArray(c, cAt + 2 * n);
        c21.intoArray(c, cAt + 2 * n + L);
        c30.intoArray(c, cAt + 3 * n);
        c31.intoArray(c, cAt + 3 * n + L);
    }

    /**
     * Rows [from, to), columns [j0, n): whole vectors of columns one row at a time, then the last
     * columns in scalar code. Masked vector loads are avoided on purpose: JDK 17 does not compile
     * them to masked instructions, and their fallback allocates (it dominated narrow matmuls).
     */
    private static void scalarColumns(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n, int k,
                                      int from, int to, int j0) {
        for (int i = from; i < to; i++) {
            int aRow = aOff + i * k;
            int cRow = cOff + i * n;
            int j = j0;
            for (; j + L <= n; j += L) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int p = 0; p < k; p++) {
                    FloatVector bv = FloatVector.fromArray(SPECIES, b, bOff + p * n + j);
                    sum = FloatVector.broadcast(SPECIES, a[aRow + p]).fma(bv, sum);
                }
                sum.intoArray(c, cRow + j);
            }
            if (j < n) {
                java.util.Arrays.fill(c, cRow + j, cRow + n, 0f);
                for (int p = 0; p < k; p++) {
                    float ap = a[aRow + p];
                    int bRow = bOff + p * n;
                    for (int col = j; col < n; col++) {
                        c[cRow + col] = Math.fma(ap, b[bRow + col], c[cRow + col]);
                    }
                }
            }
        }
    }
}
