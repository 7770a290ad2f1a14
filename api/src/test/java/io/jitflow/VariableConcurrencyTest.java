package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The variable model with 8 threads: no lost update, no torn read, counters exact. */
class VariableConcurrencyTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 500;

    /** Runs {@code task(thread)} on 8 threads at once and waits for all of them. */
    private static void onEightThreads(ThreadTask task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Void>> done = new ArrayList<>();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    task.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<Void> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThreadTask {
        void run(int thread) throws Exception;
    }

    @Test
    void eagerReadModifyWritesLoseNoUpdate() throws Exception {
        Variable counter = new Variable(constant(0L));
        Variable vector = new Variable(Jf.zeros(io.jitflow.ir.DType.INT64, THREADS));
        Variable perThread = new Variable(Jf.zeros(io.jitflow.ir.DType.INT64, THREADS));
        onEightThreads(thread -> {
            long[] one = new long[THREADS];
            one[thread] = 1;
            for (int i = 1; i <= ROUNDS; i++) {
                counter.assignAdd(constant(1L));
                vector.assignSub(constant(one));
                // A slice assignment rewrites the whole value: done outside the lock it would put
                // back other threads' stale elements.
                perThread.assign(Integer.toString(thread), constant((long) i));
            }
        });
        assertEquals(THREADS * ROUNDS, counter.asTensor().longValue());
        for (int t = 0; t < THREADS; t++) {
            assertEquals(-ROUNDS, vector.asTensor().toLongArray()[t]);
            assertEquals(ROUNDS, perThread.asTensor().toLongArray()[t]);
        }
    }

    @Test
    void compiledCallsCommitTogetherAndReadOneSnapshot() throws Exception {
        Variable a = new Variable(constant(0L));
        Variable b = new Variable(constant(0L));
        JitFunction bothPlusOne = Jit.function((Tensor one) -> {
            a.assignAdd(one);
            b.assignAdd(one);
            return one;
        });
        JitFunction difference = Jit.function((Tensor zero) -> a.sub(b).add(zero));
        AtomicInteger torn = new AtomicInteger();
        onEightThreads(thread -> {
            for (int i = 0; i < ROUNDS; i++) {
                if (thread % 2 == 0) {
                    bothPlusOne.call(constant(1L));
                } else if (difference.call(constant(0L)).longValue() != 0) {
                    torn.incrementAndGet();
                }
            }
        });
        assertEquals(0, torn.get(), "reads that saw one assignment of a call without the other");
        assertEquals(THREADS / 2 * ROUNDS, a.asTensor().longValue());
        assertEquals(THREADS / 2 * ROUNDS, b.asTensor().longValue());
    }

    @Test
    void compiledAndEagerWritersLoseNothing() throws Exception {
        Variable counter = new Variable(constant(0L));
        JitFunction increment = Jit.function((Tensor one) -> {
            counter.assignAdd(one);
            return one;
        });
        onEightThreads(thread -> {
            for (int i = 0; i < ROUNDS; i++) {
                if (thread % 2 == 0) {
                    increment.call(constant(1L));
                } else {
                    counter.assignAdd(constant(1L));
                }
            }
        });
        assertEquals(THREADS * ROUNDS, counter.asTensor().longValue());
    }
}
