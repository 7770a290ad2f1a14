package io.jitflow.runtime;

import io.jitflow.ir.Float16;

/**
 * Matrix multiplication for the CPU backend: C[b] = A[b] x B[b] over broadcast batch dims.
 * float32 and float64 run on the blocked Vector API kernels ({@code FloatMatmul},
 * {@code DoubleMatmul}, expanded from one template) when the jdk.incubator.vector module is
 * present (fused multiply-adds in the operands' type, within rounding of the reference). Otherwise,
 * in exact mode (bit-identical to the reference), and for the other dtypes, operands are packed row-major,
 * values are widened to the accumulator's type
 * and each row of C is accumulated over its columns, four rows at a time, p in increasing order: every
 * element is summed in the reference's order and type, bit-identical to it, in loops HotSpot
 * vectorizes. Rows are split across {@link KernelThreads} when the work is large.
 */
public final class MatmulKernels {
    /**
     * Below this many multiply-adds a matmul runs on the calling thread: about 2 us of one core's
     * work, against a few microseconds to hand a job to the spinning workers. Keras fit at batch 32
     * (B6): its 32 x 784 x 128 products took 56 us on one thread and 30 on two, and the fit gained
     * 35% over a threshold of 4 M.
     */
    private static final long PARALLEL_WORK = 1L << 17;
    /** From this many elements of B (4 MB of float32) on, a matmul is shared among threads whatever its rows. */
    private static final long PARALLEL_B = 1L << 20;

    private MatmulKernels() {
    }

    /**
     * Multiplies floating matrices; {@code c} has the output's dtype (float[], double[] or short[] for
     * float16) and receives the rounded sums. {@code constantB} says that b never changes (a
     * constant of the program), so the blocked kernels may keep it packed between calls.
     * {@code exact} sums in the reference's order and type,
     * bit-identical to it (it is also the path without the Vector API). {@code tiles} (or null), the
     * program's kernel for A's row stride, reads a row-major float32 A in place. {@code epilogue} (for
     * a rank-2 output only; else {@link RowEpilogue#NONE}) runs on each thread's rows once they are done.
     */
    public static void floating(Object a, int[] aShape, boolean transposeA, Object b, int[] bShape, boolean transposeB,
                                boolean constantB, Object c, int[] cShape, boolean exact, FloatTiles tiles,
                                RowEpilogue epilogue) {
        Geometry g = new Geometry(aShape, transposeA, bShape, transposeB, cShape);
        for (int batch = 0; batch < g.batches; batch++) {
            floating(a, g.aOffset(batch), transposeA, b, g.bOffset(batch), transposeB, constantB, c, batch * g.m * g.n,
                    g.m, g.n, g.k, exact, tiles, threads(g), false, epilogue);
        }
    }

    /**
     * Rows [from, to) of a rank-2 product whose A is not transposed, on the calling thread and
     * without an epilogue: a product in a row chain, run by the thread that computed those rows of
     * A. Each row's sums are those of the same row in the product of all rows (unless that product
     * is one of at most two row tiles and one panel, which the blocked kernels sum in chunks of k).
     */
    public static void floatingRows(Object a, int[] aShape, boolean transposeA, Object b, int[] bShape,
                                    boolean transposeB, boolean constantB, Object c, int[] cShape, boolean exact,
                                    FloatTiles tiles, int from, int to) {
        if (transposeA || aShape.length != 2) {
            throw new IllegalArgumentException("a product by rows reads rows of a matrix A, not of its transpose");
        }
        int k = aShape[1];
        int n = cShape[1];
        floating(a, from * k, false, b, 0, transposeB, constantB, c, from * n, to - from, n, k, exact, tiles, 1, true,
                RowEpilogue.NONE);
    }

    /** C (m x n, from {@code cOffset}) = A x B on up to {@code threads} threads; {@code someRows}: rows of a larger product. */
    private static void floating(Object a, int aOffset, boolean transposeA, Object b, int bOffset, boolean transposeB,
                                 boolean constantB, Object c, int cOffset, int m, int n, int k, boolean exact,
                                 FloatTiles tiles, int threads, boolean someRows, RowEpilogue epilogue) {
        boolean blocked = !exact && VectorApi.PRESENT;
        if (blocked && a instanceof float[] fa && b instanceof float[] fb && c instanceof float[] fc) {
            FloatMatmul.multiply(fa, aOffset, transposeA, false, tiles, fb, bOffset, transposeB, constantB, fc, cOffset, m,
                    n, k, threads, someRows, epilogue);
            return;
        }
        if (blocked && a instanceof double[] da && b instanceof double[] db && c instanceof double[] dc) {
            DoubleMatmul.multiply(da, aOffset, transposeA, false, null, db, bOffset, transposeB, constantB, dc, cOffset, m,
                    n, k, threads, someRows, epilogue);
            return;
        }
        double[] pa = packDouble(a, aOffset, m, k, transposeA);
        double[] pb = packDouble(b, bOffset, k, n, transposeB);
        rows(m, threads, 4, epilogue, (from, to) -> {
            double[][] acc = new double[4][n];
            for (int i = from; i < to; i += 4) {
                int rows = Math.min(4, to - i);
                for (int r = 0; r < rows; r++) {
                    java.util.Arrays.fill(acc[r], 0);
                }
                accumulate(pa, pb, acc, i, rows, k, n);
                for (int r = 0; r < rows; r++) {
                    store(c, cOffset + (i + r) * n, acc[r], n);
                }
            }
        });
    }

    /** acc[r][j] += A[i + r, p] * B[p, j] for p in order; four rows share each load of B's row. */
    private static void accumulate(double[] a, double[] b, double[][] acc, int i, int rows, int k, int n) {
        if (rows == 4) {
            double[] c0 = acc[0];
            double[] c1 = acc[1];
            double[] c2 = acc[2];
            double[] c3 = acc[3];
            for (int p = 0; p < k; p++) {
                double a0 = a[i * k + p];
                double a1 = a[(i + 1) * k + p];
                double a2 = a[(i + 2) * k + p];
                double a3 = a[(i + 3) * k + p];
                int row = p * n;
                for (int j = 0; j < n; j++) {
                    double bv = b[row + j];
                    c0[j] += a0 * bv;
                    c1[j] += a1 * bv;
                    c2[j] += a2 * bv;
                    c3[j] += a3 * bv;
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            double[] cr = acc[r];
            for (int p = 0; p < k; p++) {
                double av = a[(i + r) * k + p];
                int row = p * n;
                for (int j = 0; j < n; j++) {
                    cr[j] += av * b[row + j];
                }
            }
        }
    }

    /** Multiplies integer matrices (int32, int64, uint8), summing in long and wrapping to the dtype. */
    public static void integer(Object a, int[] aShape, boolean transposeA, Object b, int[] bShape, boolean transposeB,
                               Object c, int[] cShape, RowEpilogue epilogue) {
        Geometry g = new Geometry(aShape, transposeA, bShape, transposeB, cShape);
        for (int batch = 0; batch < g.batches; batch++) {
            long[] pa = packLong(a, g.aOffset(batch), g.m, g.k, transposeA);
            long[] pb = packLong(b, g.bOffset(batch), g.k, g.n, transposeB);
            int outOffset = batch * g.m * g.n;
            rows(g.m, threads(g), 1, epilogue, (from, to) -> {
                long[] acc = new long[g.n];
                for (int i = from; i < to; i++) {
                    java.util.Arrays.fill(acc, 0);
                    for (int p = 0; p < g.k; p++) {
                        long av = pa[i * g.k + p];
                        int row = p * g.n;
                        for (int j = 0; j < g.n; j++) {
                            acc[j] += av * pb[row + j];
                        }
                    }
                    for (int j = 0; j < g.n; j++) {
                        int at = outOffset + i * g.n + j;
                        if (c instanceof int[] ci) {
                            ci[at] = (int) acc[j];
                        } else if (c instanceof long[] cl) {
                            cl[at] = acc[j];
                        } else {
                            ((byte[]) c)[at] = (byte) acc[j];
                        }
                    }
                }
            });
        }
    }

    @FunctionalInterface
    private interface RowRange {
        void run(int from, int to);
    }

    /**
     * Runs rows [0, m) in chunks of whole blocks of {@code block} rows, on up to {@code threads}
     * threads, each chunk followed by the epilogue over its rows.
     */
    private static void rows(int m, int threads, int block, RowEpilogue epilogue, RowRange body) {
        int blocks = (m + block - 1) / block;
        int chunks = Math.min(threads, blocks);
        KernelThreads.parallelFor(chunks, t -> {
            int from = (int) ((long) blocks * t / chunks) * block;
            int to = Math.min(m, (int) ((long) blocks * (t + 1) / chunks) * block);
            if (from < to) {
                body.run(from, to);
                epilogue.rows(from, to);
            }
        });
    }

    /** The threads a matmul runs on: one when it is small. */
    private static int threads(Geometry g) {
        // A product of few rows with a large B (a dense layer at batch 1) is bound by reading B.
        boolean large = (long) g.m * g.n * g.k >= PARALLEL_WORK || (long) g.n * g.k >= PARALLEL_B;
        return large ? KernelThreads.count() : 1;
    }

    /** Rounds {@code n} sums into {@code c} (float[], double[] or float16's short[]) from {@code offset}. */
    static void store(Object c, int offset, double[] acc, int n) {
        if (c instanceof float[] f) {
            for (int j = 0; j < n; j++) {
                f[offset + j] = (float) acc[j];
            }
        } else if (c instanceof double[] d) {
            System.arraycopy(acc, 0, d, offset, n);
        } else {
            short[] h = (short[]) c;
            for (int j = 0; j < n; j++) {
                h[offset + j] = Float16.fromDouble(acc[j]);
            }
        }
    }

    /** A rows x cols row-major copy of a (possibly transposed) matrix starting at {@code offset}, as doubles. */
    private static double[] packDouble(Object m, int offset, int rows, int cols, boolean transposed) {
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                int at = offset + (transposed ? col * rows + r : r * cols + col);
                out[r * cols + col] = m instanceof float[] f ? f[at] : m instanceof double[] d ? d[at]
                        : Float16.toFloat(((short[]) m)[at]);
            }
        }
        return out;
    }

    private static long[] packLong(Object m, int offset, int rows, int cols, boolean transposed) {
        long[] out = new long[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int col = 0; col < cols; col++) {
                int at = offset + (transposed ? col * rows + r : r * cols + col);
                out[r * cols + col] = m instanceof int[] i ? i[at] : m instanceof long[] l ? l[at]
                        : ((byte[]) m)[at] & 0xff;
            }
        }
        return out;
    }

    /** Sizes and batch broadcasting of one matmul. */
    private static final class Geometry {
        /** The batch dims (and their strides) of a product of matrices. */
        private static final int[] NO_BATCH = new int[0];

        final int m;
        final int n;
        final int k;
        final int batches;
        private final int[] outBatch;
        private final int[] aBatchStrides;
        private final int[] bBatchStrides;

        Geometry(int[] a, boolean ta, int[] b, boolean tb, int[] c) {
            m = c[c.length - 2];
            n = c[c.length - 1];
            k = a[a.length - (ta ? 2 : 1)];
            outBatch = c.length == 2 ? NO_BATCH : java.util.Arrays.copyOf(c, c.length - 2);
            int count = 1;
            for (int d : outBatch) {
                count *= d;
            }
            batches = count;
            aBatchStrides = batchStrides(a, outBatch, m * k);
            bBatchStrides = batchStrides(b, outBatch, k * n);
        }

        /** Per output batch dim, the operand's element stride (0 where the operand broadcasts). */
        private static int[] batchStrides(int[] operand, int[] outBatch, int matrixSize) {
            if (outBatch.length == 0) {
                return NO_BATCH;
            }
            int[] strides = new int[outBatch.length];
            int operandBatchRank = operand.length - 2;
            int stride = matrixSize;
            for (int d = operandBatchRank - 1; d >= 0; d--) {
                int o = outBatch.length - operandBatchRank + d;
                strides[o] = operand[d] == 1 ? 0 : stride;
                stride *= operand[d];
            }
            return strides;
        }

        int aOffset(int batch) {
            return offset(batch, aBatchStrides);
        }

        int bOffset(int batch) {
            return offset(batch, bBatchStrides);
        }

        private int offset(int batch, int[] strides) {
            int offset = 0;
            for (int d = outBatch.length - 1; d >= 0; d--) {
                offset += batch % outBatch[d] * strides[d];
                batch /= outBatch[d];
            }
            return offset;
        }
    }
}
