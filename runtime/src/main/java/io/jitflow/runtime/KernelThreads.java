package io.jitflow.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads kernels split large loops across: one per available processor (the caller and
 * daemon workers), shared by all compiled programs. A parallel kernel lasts tens to hundreds of
 * microseconds, about what handing work to a parked thread costs, so the workers spin for a
 * while after each job before they park, and a job is handed over through a volatile field. One
 * job runs at a time: a caller that finds the workers busy (another thread's job, or a job
 * started from inside a chunk) runs its chunks itself.
 */
public final class KernelThreads {
    /** One thread per processor: the caller and the workers. */
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 100_000;
    /** How many threads the calling thread's kernels may use (see {@link #withThreads}). */
    private static final ThreadLocal<Integer> LIMIT = ThreadLocal.withInitial(() -> THREADS);

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static volatile Job current;
    private static final Thread[] WORKERS = new Thread[THREADS - 1];

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Thread(KernelThreads::work, "jitflow-kernel-" + (i + 1));
            WORKERS[i].setDaemon(true);
            WORKERS[i].start();
        }
    }

    private KernelThreads() {
    }

    /** The number of threads the calling thread's kernels may use now. */
    public static int count() {
        return LIMIT.get();
    }

    /**
     * Runs {@code body} with the kernels it runs on this thread limited to {@code threads} threads
     * (at most one per processor); other threads keep their own limit.
     */
    public static void withThreads(int threads, Runnable body) {
        int previous = LIMIT.get();
        LIMIT.set(Math.max(1, Math.min(threads, THREADS)));
        try {
            body.run();
        } finally {
            LIMIT.set(previous);
        }
    }

    /** Calls {@code body} for each chunk index in [0, chunks), in parallel; returns when all are done. */
    public static void parallelFor(int chunks, IntConsumer body) {
        if (chunks <= 1 || count() == 1 || !BUSY.compareAndSet(false, true)) {
            for (int c = 0; c < chunks; c++) {
                body.accept(c);
            }
            return;
        }
        Job job = new Job(body, chunks);
        try {
            current = job;
            for (Thread worker : WORKERS) {
                LockSupport.unpark(worker);
            }
            job.runChunks();
            job.awaitAll();
        } finally {
            current = null;
            BUSY.set(false);
        }
        job.rethrow();
    }

    /** A worker: takes chunks of the current job; spins a while when there is none, then parks. */
    private static void work() {
        Job last = null;
        while (true) {
            Job job = current;
            if (job != null && job != last) {
                job.runChunks();
                last = job;
                continue;
            }
            long idleSince = System.nanoTime();
            while ((job = current) == null || job == last) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park();
                }
            }
        }
    }

    /** One parallelFor: its chunks are claimed one at a time by the caller and the workers. */
    private static final class Job {
        private final IntConsumer body;
        private final int chunks;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Job(IntConsumer body, int chunks) {
            this.body = body;
            this.chunks = chunks;
        }

        void runChunks() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    body.accept(c);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        /** Waits for the chunks other threads took; spins first, as they end about when the caller's do. */
        void awaitAll() {
            long start = System.nanoTime();
            while (done.get() < chunks) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        void rethrow() {
            if (failure instanceof RuntimeException r) {
                throw r;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw new IllegalStateException(failure);
            }
        }
    }

    /**
     * Loop kernels smaller than this many points run on the calling thread. Handing a job to the
     * spinning workers costs a few microseconds, less than a 16 K-point map takes: on 2 threads
     * Adam's update of 784 x 128 weights (a square root and a division a point) took 28 us against
     * 108 on one, and Keras fit of the MNIST MLP (B6) gained 10% over a threshold of 1 M points.
     */
    private static final long PARALLEL_POINTS = 1L << 14;

    /**
     * Runs loop kernel {@code kernel} over outermost coordinates [0, total), in one chunk per thread
     * when it has at least {@link #PARALLEL_POINTS} points in all.
     */
    public static void split(RangeKernels code, int kernel, Object[] buffers, int[] sizes, int total, long points) {
        int chunks = chunks(total, points);
        if (chunks <= 1) {
            code.runRange(kernel, buffers, sizes, 0, total);
            return;
        }
        parallelFor(chunks, c -> code.runRange(kernel, buffers, sizes, bound(total, c, chunks),
                bound(total, c + 1, chunks)));
    }

    /** Runs {@code body} over outermost coordinates [0, total), as {@link #split(RangeKernels, int, Object[], int[], int, long)}. */
    public static void split(RowEpilogue body, int total, long points) {
        int chunks = chunks(total, points);
        if (chunks <= 1) {
            body.rows(0, total);
            return;
        }
        parallelFor(chunks, c -> body.rows(bound(total, c, chunks), bound(total, c + 1, chunks)));
    }

    /** How many chunks a loop of {@code points} in all over {@code total} outermost coordinates is split into. */
    private static int chunks(int total, long points) {
        return points < PARALLEL_POINTS ? 1 : Math.min(count(), total);
    }

    /** Where chunk c of {@code chunks} over [0, total) starts. */
    private static int bound(int total, int c, int chunks) {
        return (int) ((long) total * c / chunks);
    }
}
