package io.jitflow.runtime;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The threads kernels split large loops across: one per available processor, daemon, shared by
 * all compiled programs. {@link #parallelFor} runs chunks on them and on the calling thread.
 */
public final class KernelThreads {
    /** {@code -Djitflow.threads=N} caps the threads kernels use; the default is every processor. */
    private static final int THREADS = Math.max(1, Integer.getInteger("jitflow.threads",
            Runtime.getRuntime().availableProcessors()));
    private static volatile int limit = THREADS;
    private static final ExecutorService POOL = Executors.newFixedThreadPool(Math.max(1, THREADS - 1), r -> {
        Thread t = new Thread(r, "jitflow-kernel");
        t.setDaemon(true);
        return t;
    });

    private KernelThreads() {
    }

    /** The number of threads kernels may use now. */
    public static int count() {
        return limit;
    }

    /** Runs {@code body} with kernels limited to {@code threads} threads (for measuring scaling). */
    public static void withThreads(int threads, Runnable body) {
        int previous = limit;
        limit = Math.max(1, Math.min(threads, THREADS));
        try {
            body.run();
        } finally {
            limit = previous;
        }
    }

    /** Calls {@code body} for each chunk index in [0, chunks), in parallel; returns when all are done. */
    public static void parallelFor(int chunks, IntConsumer body) {
        if (chunks <= 1 || limit == 1) {
            for (int c = 0; c < chunks; c++) {
                body.accept(c);
            }
            return;
        }
        Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int chunk = c;
            futures[c - 1] = POOL.submit(() -> body.accept(chunk));
        }
        body.accept(0);
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running a kernel", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Loop kernels smaller than this many points run on the calling thread. */
    private static final long PARALLEL_POINTS = 1L << 20;

    /**
     * Runs loop kernel {@code kernel} over outermost coordinates [0, total), in one chunk per thread
     * when it has at least {@link #PARALLEL_POINTS} points in all.
     */
    public static void split(RangeKernels code, int kernel, Object[] buffers, int[] sizes, int total, long points) {
        int chunks = points < PARALLEL_POINTS ? 1 : Math.min(limit, total);
        if (chunks <= 1) {
            code.runRange(kernel, buffers, sizes, 0, total);
            return;
        }
        parallelFor(chunks, c -> code.runRange(kernel, buffers, sizes, (int) ((long) total * c / chunks),
                (int) ((long) total * (c + 1) / chunks)));
    }
}
