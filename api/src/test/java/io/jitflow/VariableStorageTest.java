package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A compiled update writes a variable's new value into the storage of the value before last when
 * nothing else can see it, and never into storage that was handed out.
 */
class VariableStorageTest {
    private static final int SIZE = 4096;

    private static Object storage(Variable v) {
        return v.valueForUpdate().storage();
    }

    /** A compiled update of {@code v}: v += its argument. */
    private static JitFunction addTo(Variable v) {
        return Jit.function((Tensor delta) -> {
            v.assignAdd(delta);
            return delta;
        });
    }

    @Test
    void aCompiledUpdateAlternatesBetweenTwoArrays() {
        Variable v = new Variable(Jf.zeros(SIZE));
        JitFunction step = addTo(v);
        step.call(constant(1f));
        Object first = storage(v);
        step.call(constant(1f));
        Object second = storage(v);
        step.call(constant(1f));
        assertTrue(first != second, "two arrays");
        assertTrue(first == storage(v), "the third value is written over the first");
        step.call(constant(1f));
        assertTrue(second == storage(v), "the fourth value is written over the second");
        assertEquals(4f, v.asTensor().toFloatArray()[SIZE - 1]);
    }

    @Test
    void aCallThatOnlyReadsAVariableLeavesItsSpare() {
        Variable v = new Variable(Jf.zeros(SIZE));
        Variable calls = new Variable(constant(0f));
        JitFunction step = addTo(v);
        JitFunction countAndSum = Jit.function((Tensor one) -> {
            calls.assignAdd(one);
            return Jf.reduceSum(v);
        });
        step.call(constant(1f));
        Object first = storage(v);
        step.call(constant(1f));
        countAndSum.call(constant(1f));
        step.call(constant(1f));
        assertTrue(first == storage(v), "the spare survives a call that assigns only another variable");
    }

    @Test
    void aValueReadEagerlyIsNeverOverwritten() {
        Variable v = new Variable(Jf.zeros(SIZE));
        JitFunction step = addTo(v);
        step.call(constant(1f));
        step.call(constant(1f));
        Tensor read = v.asTensor();
        for (int i = 0; i < 4; i++) {
            step.call(constant(1f));
        }
        float[] twos = new float[SIZE];
        java.util.Arrays.fill(twos, 2f);
        assertArrayEquals(twos, read.toFloatArray());
        assertEquals(6f, v.asTensor().toFloatArray()[0]);
    }

    @Test
    void aValueACallReturnsIsNeverOverwritten() {
        Variable v = new Variable(Jf.zeros(SIZE));
        JitFunction stepReturningOld = Jit.function((Tensor one) -> {
            Tensor old = v.asTensor();
            v.assign(old.add(one));
            return old;
        });
        List<Tensor> returned = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            returned.add(stepReturningOld.call(constant(1f)));
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(i, returned.get(i).toFloatArray()[SIZE / 2], "the value returned by call " + i);
        }
    }

    /**
     * One thread trains while seven read, compiled and eagerly: every value read has all elements
     * equal (a reader never sees a value being written over), and the writer's count is exact.
     */
    @Test
    void readersOnOtherThreadsNeverSeeAValueBeingOverwritten() throws Exception {
        Variable v = new Variable(Jf.zeros(SIZE));
        JitFunction step = addTo(v);
        JitFunction spread = Jit.function((Tensor zero) -> Jf.reduceMax(v).sub(Jf.reduceMin(v)).add(zero));
        int steps = 2000;
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger torn = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            futures.add(pool.submit(() -> {
                for (int i = 0; i < steps; i++) {
                    step.call(constant(1f));
                }
                done.set(true);
            }));
            for (int t = 0; t < 7; t++) {
                boolean compiled = t % 2 == 0;
                futures.add(pool.submit(() -> {
                    while (!done.get()) {
                        if (compiled) {
                            if (spread.call(constant(0f)).floatValue() != 0f) {
                                torn.incrementAndGet();
                            }
                        } else {
                            float[] read = v.asTensor().toFloatArray();
                            if (read[0] != read[SIZE - 1] || read[0] != read[SIZE / 2]) {
                                torn.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, torn.get(), "reads of a value while it was overwritten");
        assertEquals((float) steps, v.asTensor().toFloatArray()[SIZE / 3]);
    }
}
