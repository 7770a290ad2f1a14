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
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(Math.max(1, THREADS - 1), r -> {
        Thread t = new Thread(r, "jitflow-kernel");
        t.setDaemon(true);
        return t;
    });

    private KernelThreads() {
    }

    public static int count() {
        return THREADS;
    }

    /** Calls {@code body} for each chunk index in [0, chunks), in parallel; returns when all are done. */
    public static void parallelFor(int chunks, IntConsumer body) {
        if (chunks <= 1 || THREADS == 1) {
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
}
