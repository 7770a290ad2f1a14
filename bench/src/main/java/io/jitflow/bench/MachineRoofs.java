package io.jitflow.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's roofs, measured in the same run as the benchmarks they bound: the float32 FMA
 * peak (a Vector API loop of independent fused multiply-adds at the widest vector the JVM offers)
 * and the memory bandwidth (STREAM's triad over arrays far larger than the caches), each on a
 * given number of threads.
 */
public final class MachineRoofs {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private MachineRoofs() {
    }

    /** GFLOP/s of float32 FMAs on {@code threads} threads, the best of a few runs of about 0.2 s. */
    public static double fmaGflops(int threads) {
        int iterations = 4_000_000;
        double best = 0;
        for (int run = 0; run < 4; run++) {
            double seconds = onThreads(threads, t -> fmaLoop(iterations));
            best = Math.max(best, 2.0 * 12 * SPECIES.length() * iterations * threads / seconds / 1e9);
        }
        return best;
    }

    /** Twelve independent accumulator chains hide the FMA latency (4 cycles) on two FMA ports. */
    private static float fmaLoop(int iterations) {
        FloatVector a = FloatVector.broadcast(SPECIES, 0.999f);
        FloatVector b = FloatVector.broadcast(SPECIES, 0.001f);
        FloatVector c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }

    /**
     * GB/s of STREAM's triad {@code a[i] = b[i] + s * c[i]} over three arrays of 16 M floats (64 MB
     * each), split among {@code threads} threads; counted as STREAM counts it, 12 bytes per
     * element. The best of a few runs.
     */
    public static double triadGigabytesPerSecond(int threads) {
        int n = 1 << 24;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        java.util.Arrays.fill(b, 1f);
        java.util.Arrays.fill(c, 2f);
        double best = 0;
        for (int run = 0; run < 6; run++) {
            double seconds = onThreads(threads, t -> {
                int from = (int) ((long) n * t / threads);
                int to = (int) ((long) n * (t + 1) / threads);
                for (int i = from; i < to; i++) {
                    a[i] = b[i] + 3f * c[i];
                }
                return a[from];
            });
            best = Math.max(best, 12.0 * n / seconds / 1e9);
        }
        return best;
    }

    /** Seconds for {@code threads} threads to run {@code work(t)} each, started together. */
    private static double onThreads(int threads, java.util.function.IntToDoubleFunction work) {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        double[] sink = new double[threads];
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                    sink[index] = work.applyAsDouble(index);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
            thread.setDaemon(true);
            thread.start();
            started.add(thread);
        }
        long begin = System.nanoTime();
        start.countDown();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (System.nanoTime() - begin) / 1e9;
    }
}
