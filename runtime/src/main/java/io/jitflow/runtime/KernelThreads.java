package io.jitflow.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The threads kernels split large loops across: one per available processor (the caller and
 * daemon workers), shared by all compiled programs. A parallel kernel lasts tens to hundreds of
 * microseconds, about what handing work to a parked thread costs, so the workers spin for a
 * while after each job before they park, and a job is handed over through one atomic word. One
 * job runs at a time: a caller that finds the workers busy (another thread's job, or a job
 * started from inside a chunk) runs its chunks itself. Handing over a job allocates nothing.
 */
public final class KernelThreads {
    /** One thread per processor: the caller and the workers. */
    private static final int THREADS = Runtime.getRuntime().availableProcessors();
    /** How long an idle worker spins for the next job before it parks. */
    private static final long SPIN_NANOS = 100_000;
    /** How many threads the calling thread's kernels may use (see {@link #withThreads}). */
    private static final ThreadLocal<Integer> LIMIT = ThreadLocal.withInitial(() -> THREADS);

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /** The job the workers take chunks of: one, reused by every parallelFor (they run one at a time). */
    private static final Job JOB = new Job();
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
        JOB.body = body;
        share(chunks);
    }

    /** Runs {@link #JOB}, whose work the caller (holding BUSY) has set, in {@code chunks} chunks. */
    private static void share(int chunks) {
        Throwable failure;
        try {
            JOB.start(chunks);
            for (Thread worker : WORKERS) {
                LockSupport.unpark(worker);
            }
            JOB.runChunks(JOB.generation());
            JOB.awaitAll();
        } finally {
            failure = JOB.finish();
            BUSY.set(false);
        }
        rethrow(failure);
    }

    /** A worker: takes chunks of each new job; spins a while when there is none, then parks. */
    private static void work() {
        int last = JOB.generation();
        while (true) {
            int generation = JOB.generation();
            if (generation != last) {
                JOB.runChunks(generation);
                last = generation;
                continue;
            }
            long idleSince = System.nanoTime();
            while (JOB.generation() == last) {
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park();
                }
            }
        }
    }

    private static void rethrow(Throwable failure) {
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

    /**
     * The parallel work, set by the thread that holds BUSY before it starts a generation: a body
     * per chunk, or (for {@link #split}, without a lambda per call) a loop kernel or an epilogue over
     * its chunk's share of [0, total). The generation and the next chunk to claim share one word,
     * closed when a job ends (before the next owner writes anything), so a worker late for a job can
     * never claim a chunk, of it or of the next one.
     */
    private static final class Job {
        IntConsumer body;
        RangeKernels code;
        int kernel;
        Object[] buffers;
        int[] sizes;
        RowEpilogue rows;
        int total;
        private int chunks;
        /** The generation in the high half, the next chunk to claim in the low half ({@link #CLOSED} once done). */
        private final AtomicLong ticket = new AtomicLong(CLOSED);
        private static final int CLOSED = Integer.MAX_VALUE;
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        int generation() {
            return (int) (ticket.get() >>> 32);
        }

        /** Publishes the work set so far as a new generation of {@code chunks} chunks. */
        void start(int chunks) {
            this.chunks = chunks;
            failure = null;
            done.set(0);
            ticket.set((long) (generation() + 1) << 32);
        }

        /** Claims and runs chunks of {@code generation} while it has unclaimed ones. */
        void runChunks(int generation) {
            while (true) {
                long t = ticket.get();
                int c = (int) t;
                // Read before the claim; the claim succeeds only while the job is open, and its
                // owner writes the next job's fields only after closing it.
                int count = chunks;
                if ((int) (t >>> 32) != generation || c >= count) {
                    return;
                }
                if (!ticket.compareAndSet(t, t + 1)) {
                    continue;
                }
                try {
                    run(c, count);
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        private void run(int c, int count) {
            if (body != null) {
                body.accept(c);
                return;
            }
            int from = bound(total, c, count);
            int to = bound(total, c + 1, count);
            if (rows != null) {
                rows.rows(from, to);
            } else {
                code.runRange(kernel, buffers, sizes, from, to);
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

        /**
         * Closes the job to late claims, drops the work's references (so no array outlives its run
         * here) and gives the failure, if any.
         */
        Throwable finish() {
            ticket.set((long) generation() << 32 | CLOSED);
            body = null;
            code = null;
            buffers = null;
            sizes = null;
            rows = null;
            return failure;
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
        if (chunks <= 1 || !BUSY.compareAndSet(false, true)) {
            code.runRange(kernel, buffers, sizes, 0, total);
            return;
        }
        JOB.code = code;
        JOB.kernel = kernel;
        JOB.buffers = buffers;
        JOB.sizes = sizes;
        JOB.total = total;
        share(chunks);
    }

    /** Runs {@code body} over outermost coordinates [0, total), as {@link #split(RangeKernels, int, Object[], int[], int, long)}. */
    public static void split(RowEpilogue body, int total, long points) {
        int chunks = chunks(total, points);
        if (chunks <= 1 || !BUSY.compareAndSet(false, true)) {
            body.rows(0, total);
            return;
        }
        JOB.rows = body;
        JOB.total = total;
        share(chunks);
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
