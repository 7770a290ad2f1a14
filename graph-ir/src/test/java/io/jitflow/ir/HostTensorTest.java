package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HostTensorTest {
    @Test
    void aDeferredTensorFetchesItsElementsOnceOnFirstRead() {
        AtomicInteger fetches = new AtomicInteger();
        HostTensor t = HostTensor.deferred(DType.FLOAT32, new int[] {2, 2}, () -> {
            fetches.incrementAndGet();
            return new float[] {1, 2, 3, 4};
        });
        assertEquals(TensorType.of(DType.FLOAT32, 2, 2), t.type());
        assertEquals(4, t.size());
        assertFalse(t.isFetched());
        assertEquals(0, fetches.get(), "dtype, shape and size need no elements");
        assertEquals(3.0, t.getDouble(2));
        assertTrue(t.isFetched());
        assertArrayEquals(new float[] {1, 2, 3, 4}, t.toFloatArray());
        assertEquals(HostTensor.of(new float[] {1, 2, 3, 4}, 2, 2), t);
        assertEquals(1, fetches.get());
    }

    @Test
    void concurrentFirstReadsFetchOnce() throws InterruptedException {
        AtomicInteger fetches = new AtomicInteger();
        HostTensor t = HostTensor.deferred(DType.INT32, new int[] {3}, () -> {
            fetches.incrementAndGet();
            return new int[] {7, 8, 9};
        });
        Thread[] readers = new Thread[8];
        long[] sums = new long[readers.length];
        for (int i = 0; i < readers.length; i++) {
            int reader = i;
            readers[i] = new Thread(() -> sums[reader] = t.getLong(0) + t.getLong(1) + t.getLong(2));
            readers[i].start();
        }
        for (Thread r : readers) {
            r.join();
        }
        assertEquals(1, fetches.get());
        for (long sum : sums) {
            assertEquals(24, sum);
        }
    }

    @Test
    void aFetchOfTheWrongLengthIsAnError() {
        HostTensor t = HostTensor.deferred(DType.FLOAT64, new int[] {3}, () -> new double[2]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.getDouble(0));
        assertEquals("a deferred float64[3] tensor fetched 2 elements", e.getMessage());
    }
}
