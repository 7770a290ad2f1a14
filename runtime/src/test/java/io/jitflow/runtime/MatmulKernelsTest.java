package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API float32 path against the exact float64-summing path (itself tested bit for bit
 * against the reference interpreter), within the rounding error bound of float32 summation:
 * |fast - exact| <= k * 2^-23 * sum |a b|, over shapes with tails, transposes and batch broadcast.
 */
class MatmulKernelsTest {
    @Test
    void theVectorPathIsPresentInTests() {
        assertTrue(VectorApi.PRESENT, "tests run with --add-modules jdk.incubator.vector");
    }

    /** float32 and float64 on the Vector API against the exact path, each within its rounding. */
    @Test
    void vectorKernelsMatchTheExactPathWithinRounding() {
        Random random = new Random(5);
        int[][] shapes = {{1, 1, 1}, {4, 32, 8}, {5, 33, 7}, {64, 64, 64}, {37, 100, 19}, {128, 10, 128},
                // past one KC block of depth, one MC block of rows, across threads, with edge tiles
                {257, 100, 520}, {50, 33, 1100},
                // B one panel wide, used as its own panels; few rows and one panel over many chunks of depth
                {40, FloatMatmul.NR, 300}, {40, DoubleMatmul.NR, 300}, {9, FloatMatmul.NR, 20000}, {3, 10, 17000},
                // more columns than rows: shared among the threads by panels (a dense layer at batch 1)
                {5, 200, 6000}, {1, 1000, 2048},
                // a row-major B of whole panels, over two blocks of depth
                {70, 1100, 64}, {130, 50, 128},
                // a transposed A too wide to read in place (its columns a page apart or more): copied in blocks
                {1030, 40, 33}};
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    check(random, new int[] {3}, new int[] {1}, s[0], s[1], s[2], ta, tb, false);
                    check(random, new int[] {1}, new int[] {2}, s[0], s[1], s[2], ta, tb, true);
                }
            }
        }
    }

    /**
     * The row epilogue sees every output row exactly once (in chunks, which threads claim as they
     * come), and only when the row is final: what it reads then is what the matmul leaves.
     */
    @Test
    void theRowEpilogueRunsOnceOnEachFinishedRow() {
        int m = 301;
        int n = 70;
        int k = 300;
        Random random = new Random(9);
        float[] a = random(random, m * k);
        float[] b = random(random, k * n);
        for (boolean exact : new boolean[] {false, true}) {
            float[] c = new float[m * n];
            float[] seen = new float[m * n];
            java.util.concurrent.atomic.AtomicIntegerArray visits = new java.util.concurrent.atomic.AtomicIntegerArray(m);
            MatmulKernels.floating(a, new int[] {m, k}, false, b, new int[] {k, n}, false, false, c, new int[] {m, n}, exact, null,
                    (from, to) -> {
                        System.arraycopy(c, from * n, seen, from * n, (to - from) * n);
                        for (int i = from; i < to; i++) {
                            visits.incrementAndGet(i);
                        }
                    });
            for (int i = 0; i < m; i++) {
                assertEquals(1, visits.get(i), "visits of row " + i + (exact ? " (exact)" : ""));
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(c, seen, exact ? "exact path" : "vector path");
        }
    }

    /**
     * However a product is shared among threads (by rows; by panels where the rows are few and B
     * is the larger operand; by chunks of depth summed in order where it is too narrow for either),
     * one thread and two give the same bits.
     */
    @Test
    void everySharingGivesTheSameBitsOnAnyThreadCount() {
        Random random = new Random(13);
        int[][] shapes = {{9, 7, 30000}, {5, 200, 6000}, {1, 1000, 2048}, {300, 70, 400}};
        for (int[] shape : shapes) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            float[] a = random(random, m * k);
            float[] b = random(random, k * n);
            float[][] c = new float[2][m * n];
            for (int threads = 1; threads <= 2; threads++) {
                float[] out = c[threads - 1];
                KernelThreads.withThreads(threads, () -> MatmulKernels.floating(a, new int[] {m, k}, false, b,
                        new int[] {k, n}, false, false, out, new int[] {m, n}, false, null, RowEpilogue.NONE));
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(c[0], c[1], m + "x" + k + "x" + n + ": 1 and 2 threads");
        }
    }

    /**
     * Every element of a float32 product on the Vector API path is one chain of fused multiply-adds
     * in order of the depth, whichever kernel computes it: a C one vector wide or narrower (rows of
     * sums side by side, stored whole where they may spill onto the next row, 13 rows leaving a
     * short tile), or the panel kernel; A row-major or transposed; on one thread and two.
     */
    @Test
    void everyElementIsOneChainOfFusedMultiplyAdds() {
        Random random = new Random(19);
        int[][] shapes = {{128, 10, 128}, {13, 1, 40}, {13, 3, 300}, {200, 16, 64}, {37, 7, 1030}, {16, 40, 50}};
        for (int[] shape : shapes) {
            int m = shape[0];
            int n = shape[1];
            int k = shape[2];
            float[] b = random(random, k * n);
            float[] a = random(random, m * k);
            for (boolean ta : new boolean[] {false, true}) {
                float[] expected = new float[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float sum = 0;
                        for (int p = 0; p < k; p++) {
                            sum = Math.fma(ta ? a[p * m + i] : a[i * k + p], b[p * n + j], sum);
                        }
                        expected[i * n + j] = sum;
                    }
                }
                for (int threads = 1; threads <= 2; threads++) {
                    float[] c = new float[m * n];
                    KernelThreads.withThreads(threads, () -> MatmulKernels.floating(a, ta ? new int[] {k, m} : new int[] {m, k},
                            ta, b, new int[] {k, n}, false, false, c, new int[] {m, n}, false, null, RowEpilogue.NONE));
                    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, c, m + "x" + k + "x" + n
                            + (ta ? ", a transposed, " : ", ") + threads + " thread(s)");
                }
            }
        }
    }

    /**
     * A product run from its own epilogue (inside a chunk of another job, so the outer product's
     * chunks run one after another on this thread) works on state of its own: the outer product's
     * later chunk still sees its operands and its packed B (the inner product packs another B), and
     * both give what they give alone.
     */
    @Test
    void aProductInsideAnEpilogueKeepsItsOwnState() {
        Random random = new Random(17);
        // Large enough to share by rows between two threads.
        int m = 64;
        int n = 40;
        int k = 100;
        float[] a = random(random, m * k);
        float[] b = random(random, k * n);
        float[] otherB = random(random, k * n);
        float[] alone = new float[m * n];
        MatmulKernels.floating(a, new int[] {m, k}, false, b, new int[] {k, n}, false, false, alone, new int[] {m, n}, false, null,
                RowEpilogue.NONE);
        float[] innerAlone = new float[m * n];
        MatmulKernels.floating(a, new int[] {m, k}, false, otherB, new int[] {k, n}, false, false, innerAlone,
                new int[] {m, n}, false, null, RowEpilogue.NONE);
        float[] nested = new float[m * n];
        float[] inner = new float[m * n];
        java.util.concurrent.atomic.AtomicInteger epilogues = new java.util.concurrent.atomic.AtomicInteger();
        // The outer job holds the workers, so the product inside it runs its two chunks on this thread.
        KernelThreads.parallelFor(2, chunk -> {
            if (chunk == 0) {
                KernelThreads.withThreads(2, () -> MatmulKernels.floating(a, new int[] {m, k}, false, b, new int[] {k, n},
                        false, false, nested, new int[] {m, n}, false, null, (from, to) -> {
                            epilogues.incrementAndGet();
                            MatmulKernels.floating(a, new int[] {m, k}, false, otherB, new int[] {k, n}, false, false,
                                    inner, new int[] {m, n}, false, null, RowEpilogue.NONE);
                        }));
            }
        });
        assertTrue(epilogues.get() >= 1, "the epilogue ran");
        org.junit.jupiter.api.Assertions.assertArrayEquals(alone, nested, "the outer product");
        org.junit.jupiter.api.Assertions.assertArrayEquals(innerAlone, inner, "the product inside its epilogue");
    }

    /**
     * A constant B is packed once and kept: later calls, another A, and the same array used with
     * another layout all give what packing per call gives, bit for bit.
     */
    @Test
    void aConstantBKeptPackedGivesWhatPackingPerCallGives() {
        // 70 and 64 columns are packed on every call, 32 (one panel) read as its own panel: each
        // the same bits as the B packed once.
        for (int n : new int[] {70, 64, FloatMatmul.NR}) {
            Random random = new Random(11);
            int m = 37;
            int k = 1100;
            float[] b = random(random, k * n);
            for (int call = 0; call < 3; call++) {
                float[] a = random(random, m * k);
                for (boolean tb : new boolean[] {false, true}) {
                    int[] bShape = tb ? new int[] {n, k} : new int[] {k, n};
                    float[] perCall = new float[m * n];
                    float[] kept = new float[m * n];
                    MatmulKernels.floating(a, new int[] {m, k}, false, b, bShape, tb, false, perCall, new int[] {m, n},
                            false, null, RowEpilogue.NONE);
                    MatmulKernels.floating(a, new int[] {m, k}, false, b, bShape, tb, true, kept, new int[] {m, n}, false, null,
                            RowEpilogue.NONE);
                    org.junit.jupiter.api.Assertions.assertArrayEquals(perCall, kept, n + " columns, call " + call
                            + (tb ? ", b transposed" : ""));
                }
            }
        }
    }

    /**
     * Packed panels start on 64-byte lines (counting HotSpot's 16-byte array header), constants'
     * each in room of its own: packed one after another into a slab, or into an array of their own
     * when large, each still gives the product that packing per call gives after the others were
     * packed (and the calling thread's room for B packed per call moved to a slab).
     */
    @Test
    void packedPanelsStartOnLinesOfTheirOwn() {
        Random random = new Random(23);
        int m = 9;
        int[][] shapes = {{33, 70}, {5, 40}, {2100, 520}, {300, 64}};
        float[][] bs = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            int k = shapes[i][0], n = shapes[i][1];
            bs[i] = random(random, k * n);
            FloatMatmul.Panels panels = FloatMatmul.panels(new FloatMatmul.Operand(bs[i], 0, false), true, n, k, 1);
            org.junit.jupiter.api.Assertions.assertEquals(0, (16 + panels.start(0, 0, 0) * Float.BYTES) % 64,
                    k + " x " + n + " starts at " + panels.start(0, 0, 0));
        }
        FloatMatmul.Panels unkept = FloatMatmul.panels(new FloatMatmul.Operand(bs[0], 0, false), false, 70, 33, 1);
        org.junit.jupiter.api.Assertions.assertEquals(0, (16 + unkept.start(0, 0, 0) * Float.BYTES) % 64,
                "a B packed per call starts at " + unkept.start(0, 0, 0));
        DoubleMatmul.Panels wide = DoubleMatmul.panels(new DoubleMatmul.Operand(new double[77 * 50], 0, false), true,
                50, 77, 1);
        org.junit.jupiter.api.Assertions.assertEquals(0, (16 + wide.start(0, 0, 0) * Double.BYTES) % 64);
        for (int i = 0; i < shapes.length; i++) {
            int k = shapes[i][0], n = shapes[i][1];
            float[] a = random(random, m * k);
            float[] perCall = new float[m * n];
            float[] kept = new float[m * n];
            MatmulKernels.floating(a, new int[] {m, k}, false, bs[i], new int[] {k, n}, false, false, perCall,
                    new int[] {m, n}, false, null, RowEpilogue.NONE);
            MatmulKernels.floating(a, new int[] {m, k}, false, bs[i], new int[] {k, n}, false, true, kept,
                    new int[] {m, n}, false, null, RowEpilogue.NONE);
            org.junit.jupiter.api.Assertions.assertArrayEquals(perCall, kept, k + " x " + n);
        }
    }

    /**
     * A row's sums do not depend on the rows beside it: a product's last tile of one row (a batch of
     * one, 8k + 1 rows) goes through the one-row kernel, which gives each row the bits the eight-row
     * kernel gives it, over one block of depth and several, whole and partial panels of B.
     */
    @Test
    void aRowAloneSumsAsInAFullTile() {
        Random random = new Random(17);
        for (int[] s : new int[][] {{1, 64, 300}, {9, 70, 1100}, {17, 32, 40}, {1, 1000, 700}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = random(random, m * k);
            FloatMatmul.Operand b = new FloatMatmul.Operand(random(random, k * n), 0, false);
            float[] c = new float[m * n];
            FloatMatmul.multiply(new FloatMatmul.Operand(a, 0, false), b, false, c, 0, m, n, k, 2, RowEpilogue.NONE);
            for (int i = 0; i < m; i++) {
                float[] eight = new float[8 * k];
                for (int r = 0; r < 8; r++) {
                    System.arraycopy(a, i * k, eight, r * k, k);
                }
                float[] full = new float[8 * n];
                FloatMatmul.multiply(new FloatMatmul.Operand(eight, 0, false), b, false, full, 0, 8, n, k, 1,
                        RowEpilogue.NONE);
                org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOf(full, n),
                        java.util.Arrays.copyOfRange(c, i * n, (i + 1) * n), m + " x " + n + " x " + k + ", row " + i);
            }
        }
    }

    private static void check(Random random, int[] aBatch, int[] bBatch, int m, int n, int k, boolean ta, boolean tb,
                              boolean float64) {
        int batches = Math.max(aBatch[0], bBatch[0]);
        int[] aShape = {aBatch[0], ta ? k : m, ta ? m : k};
        int[] bShape = {bBatch[0], tb ? n : k, tb ? k : n};
        int[] cShape = {batches, m, n};
        float[] a = random(random, aBatch[0] * m * k);
        float[] b = random(random, bBatch[0] * k * n);
        Object aValues = float64 ? widen(a) : a;
        Object bValues = float64 ? widen(b) : b;
        Object fast = float64 ? new double[batches * m * n] : new float[batches * m * n];
        Object exact = float64 ? new double[batches * m * n] : new float[batches * m * n];
        MatmulKernels.floating(aValues, aShape, ta, bValues, bShape, tb, false, fast, cShape, false, null, RowEpilogue.NONE);
        MatmulKernels.floating(aValues, aShape, ta, bValues, bShape, tb, false, exact, cShape, true, null, RowEpilogue.NONE);
        double bound = k * Math.pow(2, float64 ? -52 : -23) * 4.0;
        for (int i = 0; i < batches * m * n; i++) {
            double expected = float64 ? ((double[]) exact)[i] : ((float[]) exact)[i];
            double actual = float64 ? ((double[]) fast)[i] : ((float[]) fast)[i];
            assertEquals(expected, actual, bound + 1e-300, "element " + i + " of " + m + "x" + k + " times " + k + "x" + n
                    + (ta ? " (a transposed)" : "") + (tb ? " (b transposed)" : "") + (float64 ? " in float64" : ""));
        }
    }

    private static double[] widen(float[] values) {
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return wide;
    }

    /** n values uniform in [-1, 1). */
    static float[] random(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }
}
