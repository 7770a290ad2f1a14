package io.jitflow.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 matmul on the Vector API, blocked for the caches in the way of GotoBLAS: B is packed
 * into KC-deep column panels of NR = 2 vectors, A is taken MC rows by KC columns at a time, and
 * the micro-kernel keeps a 6 x 2-vector tile of C in twelve vector registers while p runs, each
 * step two loads of B, six broadcasts from six rows of A and twelve fused
 * multiply-adds. Every element of C is still one float32 chain of fused multiply-adds in order of
 * p (KC blocks after the first continue from C), so results differ from the float64-summing reference
 * by float32 rounding only and do not depend on the blocking or the thread count. Loaded only when
 * the jdk.incubator.vector module is present (see {@link MatmulKernels}).
 */
final class VectorMatmul {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Rows and columns of the register tile. */
    static final int MR = 6;
    static final int NR = 2 * L;
    /**
     * Depth of a packed block: a KC x NR panel of B (128 KB) stays in the level-2 cache. Deeper
     * blocks mean fewer passes over C; on the development machine 1024 beat 256 and 512 at every
     * size measured (128x784x128 to 2048^3).
     */
    private static final int KC = 1024;
    /** Rows of A taken at once: an MC x KC block stays in the level-2 cache. */
    private static final int MC = 48;

    /** The packed B of the matmul the owning thread runs (its kernel threads read it), kept up to this size. */
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final int KEPT_PACKED_B = 1 << 22;
    /** A block of a transposed A and an edge tile, one set per kernel thread. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorMatmul() {
    }

    /** One operand: its array, where its matrix starts, and whether it is stored transposed. */
    record Operand(float[] data, int offset, boolean transposed) {
    }

    /**
     * C = A x B, A m x k, B k x n, C row-major at {@code cOff}; a transposed A is stored k x m, a
     * transposed B n x k. B is packed once, its panels shared out among the threads; then each
     * thread multiplies the blocks of A of its share of the rows and runs the epilogue on them.
     */
    static void multiply(Operand a, Operand b, float[] c, int cOff, int m, int n, int k, int threads,
                         RowEpilogue epilogue) {
        int nPad = roundUp(n, NR);
        float[] pb = packedB(nPad * k);
        int panels = nPad / NR;
        int packers = Math.min(threads, panels);
        KernelThreads.parallelFor(packers, t -> packB(b, pb, n, k, panels * t / packers, panels * (t + 1) / packers));
        int blocks = (m + MR - 1) / MR;
        int workers = Math.min(threads, blocks);
        KernelThreads.parallelFor(workers, t -> {
            int from = blocks * t / workers * MR;
            int to = Math.min(m, blocks * (t + 1) / workers * MR);
            rows(a, pb, c, cOff, m, n, k, from, to);
            epilogue.rows(from, to);
        });
    }

    private static float[] packedB(int size) {
        if (size > KEPT_PACKED_B) {
            return new float[size];
        }
        float[][] holder = PACKED_B.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    /**
     * Rows [from, to) of C from the packed B. A row-major A is read in place, row by row (its rows
     * are contiguous in p already); a transposed A is copied MC x KC at a time into row-major order.
     */
    private static void rows(Operand a, float[] pb, float[] c, int cOff, int m, int n, int k, int from, int to) {
        Scratch s = SCRATCH.get();
        int nPad = roundUp(n, NR);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int ic = from; ic < to; ic += MC) {
                int mc = Math.min(MC, to - ic);
                float[] rowsOfA = a.data();
                int aAt = a.offset() + ic * k + pc;
                int lda = k;
                if (a.transposed()) {
                    rowsOfA = s.a(mc * kc);
                    transposeBlock(a, rowsOfA, m, ic, mc, pc, kc);
                    aAt = 0;
                    lda = kc;
                }
                for (int jr = 0; jr < n; jr += NR) {
                    for (int ir = 0; ir < mc; ir += MR) {
                        tile(rowsOfA, aAt + ir * lda, lda, pb, pc * nPad + jr * kc, kc, pc > 0, c,
                                cOff + (ic + ir) * n + jr, n, Math.min(MR, mc - ir), Math.min(NR, n - jr), s.edge);
                    }
                }
            }
        }
    }

    /**
     * One MR x NR tile of C from the rows of A at {@code aAt}, {@code lda} apart; a partial tile at
     * the edges goes through {@code edge}, its missing rows repeating the last row of A.
     */
    private static void tile(float[] a, int aAt, int lda, float[] pb, int bAt, int kc, boolean accumulate, float[] c,
                             int cAt, int ldc, int rows, int cols, float[] edge) {
        int last = rows - 1;
        int a1 = aAt + Math.min(1, last) * lda;
        int a2 = aAt + Math.min(2, last) * lda;
        int a3 = aAt + Math.min(3, last) * lda;
        int a4 = aAt + Math.min(4, last) * lda;
        int a5 = aAt + Math.min(5, last) * lda;
        if (rows == MR && cols == NR) {
            kernel(a, aAt, a1, a2, a3, a4, a5, pb, bAt, kc, accumulate, c, cAt, ldc);
            return;
        }
        for (int r = 0; accumulate && r < rows; r++) {
            System.arraycopy(c, cAt + r * ldc, edge, r * NR, cols);
        }
        kernel(a, aAt, a1, a2, a3, a4, a5, pb, bAt, kc, accumulate, edge, 0, NR);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(edge, r * NR, c, cAt + r * ldc, cols);
        }
    }

    /** C[6 x NR] (+)= rows a0..a5 of A (kc values each) x a packed panel of B. */
    private static void kernel(float[] a, int a0, int a1, int a2, int a3, int a4, int a5, float[] pb, int bAt, int kc,
                               boolean accumulate, float[] c, int cAt, int ldc) {
        FloatVector c00 = start(c, cAt, accumulate);
        FloatVector c01 = start(c, cAt + L, accumulate);
        FloatVector c10 = start(c, cAt + ldc, accumulate);
        FloatVector c11 = start(c, cAt + ldc + L, accumulate);
        FloatVector c20 = start(c, cAt + 2 * ldc, accumulate);
        FloatVector c21 = start(c, cAt + 2 * ldc + L, accumulate);
        FloatVector c30 = start(c, cAt + 3 * ldc, accumulate);
        FloatVector c31 = start(c, cAt + 3 * ldc + L, accumulate);
        FloatVector c40 = start(c, cAt + 4 * ldc, accumulate);
        FloatVector c41 = start(c, cAt + 4 * ldc + L, accumulate);
        FloatVector c50 = start(c, cAt + 5 * ldc, accumulate);
        FloatVector c51 = start(c, cAt + 5 * ldc + L, accumulate);
        for (int p = 0; p < kc; p++) {
            int bp = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + L);
            FloatVector v0 = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = v0.fma(b0, c00);
            c01 = v0.fma(b1, c01);
            FloatVector v1 = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = v1.fma(b0, c10);
            c11 = v1.fma(b1, c11);
            FloatVector v2 = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = v2.fma(b0, c20);
            c21 = v2.fma(b1, c21);
            FloatVector v3 = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = v3.fma(b0, c30);
            c31 = v3.fma(b1, c31);
            FloatVector v4 = FloatVector.broadcast(SPECIES, a[a4 + p]);
            c40 = v4.fma(b0, c40);
            c41 = v4.fma(b1, c41);
            FloatVector v5 = FloatVector.broadcast(SPECIES, a[a5 + p]);
            c50 = v5.fma(b0, c50);
            c51 = v5.fma(b1, c51);
        }
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + L);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + L);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + L);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + L);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + L);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + L);
    }

    /** A row of the tile: what C holds when accumulating into it, else zero. */
    private static FloatVector start(float[] c, int at, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(SPECIES, c, at) : FloatVector.zero(SPECIES);
    }

    /**
     * Column panels [from, to) of B, NR columns each (zero beyond n), for every KC block of its rows:
     * the panel of block pc and columns jr holds its kc x NR values row-major at pc * nPad + jr * kc.
     */
    private static void packB(Operand b, float[] out, int n, int k, int from, int to) {
        float[] src = b.data();
        int nPad = roundUp(n, NR);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int panel = from; panel < to; panel++) {
                int jr = panel * NR;
                int cols = Math.min(NR, n - jr);
                for (int p = 0; p < kc; p++) {
                    int at = pc * nPad + jr * kc + p * NR;
                    if (b.transposed()) {
                        int first = b.offset() + jr * k + pc + p;
                        for (int j = 0; j < cols; j++) {
                            out[at + j] = src[first + j * k];
                        }
                    } else if (cols == NR) {
                        // Two vector moves: far cheaper than a call to arraycopy for 32 values.
                        int row = b.offset() + (pc + p) * n + jr;
                        FloatVector.fromArray(SPECIES, src, row).intoArray(out, at);
                        FloatVector.fromArray(SPECIES, src, row + L).intoArray(out, at + L);
                    } else {
                        System.arraycopy(src, b.offset() + (pc + p) * n + jr, out, at, cols);
                    }
                    if (cols < NR) {
                        java.util.Arrays.fill(out, at + cols, at + NR, 0f);
                    }
                }
            }
        }
    }

    /** A[ic..ic+mc, pc..pc+kc] of a transposed A (stored k x m) as mc rows of kc, row-major. */
    private static void transposeBlock(Operand a, float[] out, int m, int ic, int mc, int pc, int kc) {
        float[] src = a.data();
        int first = a.offset() + pc * m + ic;
        int i = 0;
        // Four rows at a time: four adjacent reads per p, four sequential write streams (half the
        // time of one row at a time, and of eight).
        for (; i + 4 <= mc; i += 4) {
            int row = i * kc;
            for (int p = 0; p < kc; p++) {
                int at = first + p * m + i;
                out[row + p] = src[at];
                out[row + kc + p] = src[at + 1];
                out[row + 2 * kc + p] = src[at + 2];
                out[row + 3 * kc + p] = src[at + 3];
            }
        }
        for (; i < mc; i++) {
            for (int p = 0; p < kc; p++) {
                out[i * kc + p] = src[first + p * m + i];
            }
        }
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /** Per-thread buffers, grown to the largest block seen. */
    private static final class Scratch {
        private float[] a = new float[0];
        final float[] edge = new float[MR * NR];

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }
    }
}
