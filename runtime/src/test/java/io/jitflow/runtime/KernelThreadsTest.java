package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The kernel threads' one reused job: every chunk of every call runs once, with that call's work. */
class KernelThreadsTest {
    /**
     * Eight threads start jobs back to back (most find the workers busy and run their chunks
     * themselves; the others share theirs): each call's chunks each run exactly once, with its own
     * body, and a worker late for one job never runs a chunk of the next with the last one's work.
     */
    @Test
    void everyChunkOfEveryCallRunsOnceWithItsOwnWork() throws Exception {
        int callers = 8;
        int calls = 10000;
        int chunks = 5;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                done.add(pool.submit(() -> {
                    for (int call = 0; call < calls; call++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                        KernelThreads.parallelFor(chunks, runs::incrementAndGet);
                        int[] covered = new int[100 + call % 7];
                        KernelThreads.split((from, to) -> {
                            for (int i = from; i < to; i++) {
                                covered[i]++;
                            }
                        }, covered.length, 1L << 20);
                        for (int c = 0; c < chunks; c++) {
                            assertEquals(1, runs.get(c), "runs of chunk " + c + " in call " + call);
                        }
                        for (int i = 0; i < covered.length; i++) {
                            assertEquals(1, covered[i], "visits of row " + i + " in call " + call);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A chunk's failure is its call's, thrown to its caller; the next call runs normally. */
    @Test
    void aFailingChunkFailsItsCallOnly() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> KernelThreads.parallelFor(4, c -> {
            if (c == 3) {
                throw new IllegalStateException("chunk 3");
            }
        }));
        assertEquals("chunk 3", thrown.getMessage());
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        KernelThreads.parallelFor(4, runs::incrementAndGet);
        for (int c = 0; c < 4; c++) {
            assertEquals(1, runs.get(c), "runs of chunk " + c);
        }
    }
}
