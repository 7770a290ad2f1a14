package io.jitflow.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 matmul on the Vector API, blocked for the caches in the way of GotoBLAS: B is packed
 * into KC-deep column panels of NR = 2 vectors, an MC x KC block of A into row panels of MR = 6,
 * and the micro-kernel keeps a 6 x 2-vector tile of C in twelve vector registers while p
 * runs over the panels, each step two loads of B, six broadcasts of A and twelve fused
 * multiply-adds. Every element of C is still one float32 chain of fused multiply-adds in order of
 * p (accumulated into C, zeroed first), so results differ from the float64-summing reference
 * by float32 rounding only and do not depend on the blocking or the thread count. Loaded only when
 * the jdk.incubator.vector module is present (see {@link MatmulKernels}).
 */
final class VectorMatmul {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Rows and columns of the register tile. */
    static final int MR = 6;
    static final int NR = 2 * L;
    /** Depth of a packed block: a KC x NR panel of B stays in the level-1 cache. */
    private static final int KC = 256;
    /** Rows of A packed at once: an MC x KC block stays in the level-2 cache. */
    private static final int MC = 48;

    /** The packed B of the matmul the owning thread runs (its kernel threads read it), kept up to this size. */
    private static final ThreadLocal<float[][]> PACKED_B = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final int KEPT_PACKED_B = 1 << 22;
    /** Packed blocks of A and an edge tile, one set per kernel thread. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private VectorMatmul() {
    }

    /** One operand: its array, where its matrix starts, and whether it is stored transposed. */
    record Operand(float[] data, int offset, boolean transposed) {
    }

    /**
     * C = A x B, A m x k, B k x n, C row-major at {@code cOff}; a transposed A is stored k x m, a
     * transposed B n x k. B is packed once, its panels shared out among the threads; then each
     * thread packs and multiplies the blocks of A of its share of the rows.
     */
    static void multiply(Operand a, Operand b, float[] c, int cOff, int m, int n, int k, int threads) {
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

    /** Rows [from, to) of C from the packed B. */
    private static void rows(Operand a, float[] pb, float[] c, int cOff, int m, int n, int k, int from, int to) {
        Scratch s = SCRATCH.get();
        java.util.Arrays.fill(c, cOff + from * n, cOff + to * n, 0f);
        int nPad = roundUp(n, NR);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int ic = from; ic < to; ic += MC) {
                int mc = Math.min(MC, to - ic);
                float[] pa = s.a(roundUp(mc, MR) * kc);
                packA(a, pa, m, k, ic, mc, pc, kc);
                for (int jr = 0; jr < n; jr += NR) {
                    for (int ir = 0; ir < mc; ir += MR) {
                        tile(pa, ir * kc, pb, pc * nPad + jr * kc, kc, c, cOff + (ic + ir) * n + jr, n,
                                Math.min(MR, mc - ir), Math.min(NR, n - jr), s.edge);
                    }
                }
            }
        }
    }

    /** One MR x NR tile of C; a partial tile at the edges goes through {@code edge}. */
    private static void tile(float[] pa, int aAt, float[] pb, int bAt, int kc, float[] c, int cAt, int ldc, int rows,
                             int cols, float[] edge) {
        if (rows == MR && cols == NR) {
            kernel(pa, aAt, pb, bAt, kc, c, cAt, ldc);
            return;
        }
        for (int r = 0; r < rows; r++) {
            System.arraycopy(c, cAt + r * ldc, edge, r * NR, cols);
        }
        kernel(pa, aAt, pb, bAt, kc, edge, 0, NR);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(edge, r * NR, c, cAt + r * ldc, cols);
        }
    }

    /** C[6 x NR] += packed A panel x packed B panel, over kc steps. */
    private static void kernel(float[] pa, int aAt, float[] pb, int bAt, int kc, float[] c, int cAt, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, cAt);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, cAt + L);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, cAt + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, cAt + ldc + L);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + L);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + L);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + L);
        FloatVector c50 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + L);
        for (int p = 0; p < kc; p++) {
            int bp = bAt + p * NR;
            int ap = aAt + p * MR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
            FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + L);
            FloatVector a0 = FloatVector.broadcast(SPECIES, pa[ap]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, pa[ap + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, pa[ap + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, pa[ap + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, pa[ap + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, pa[ap + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
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
                    } else {
                        System.arraycopy(src, b.offset() + (pc + p) * n + jr, out, at, cols);
                    }
                    java.util.Arrays.fill(out, at + cols, at + NR, 0f);
                }
            }
        }
    }

    /** A[ic..ic+mc, pc..pc+kc] as panels of MR rows, each kc x MR (column of the panel per p), zero beyond m. */
    private static void packA(Operand a, float[] out, int m, int k, int ic, int mc, int pc, int kc) {
        float[] src = a.data();
        for (int ir = 0; ir < mc; ir += MR) {
            int rows = Math.min(MR, mc - ir);
            int panel = ir * kc;
            for (int r = 0; r < MR; r++) {
                if (r >= rows) {
                    for (int p = 0; p < kc; p++) {
                        out[panel + p * MR + r] = 0f;
                    }
                    continue;
                }
                int i = ic + ir + r;
                for (int p = 0; p < kc; p++) {
                    out[panel + p * MR + r] = a.transposed()
                            ? src[a.offset() + (pc + p) * m + i]
                            : src[a.offset() + i * k + pc + p];
                }
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
