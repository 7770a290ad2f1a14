package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Dataset;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Datasets: batching, a buffered shuffle, map, prefetch on a thread, and fit on them. */
class DatasetTest {
    private static final Tensor X = Jf.constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f},
            {3, -1}});
    private static final Tensor Y = Jf.constant(new int[] {1, 0, 1, 0, 1, 1, 0});

    private static List<Integer> labels(Dataset d) {
        List<Integer> out = new ArrayList<>();
        for (Dataset.Example e : d) {
            for (int v : e.y().toIntArray()) {
                out.add(v);
            }
        }
        return out;
    }

    /** The examples 0 .. n-1 as x = [i], y = i, made one at a time (counted). */
    private static Dataset counting(int n, AtomicInteger made) {
        return Dataset.fromSupplier(() -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Dataset.Example next() {
                made.incrementAndGet();
                int i = next++;
                return new Dataset.Example(Jf.constant(new float[] {i}), Jf.constant(i));
            }
        });
    }

    @Test
    void batchesStackExamplesInOrder() {
        List<Dataset.Example> batches = new ArrayList<>();
        Dataset.fromTensors(X, Y).batch(3).forEach(batches::add);
        assertEquals(3, batches.size());
        assertArrayEquals(new int[] {3, 2}, batches.get(0).x().shape());
        assertArrayEquals(new int[] {1, 2}, batches.get(2).x().shape(), "the last batch holds what is left");
        assertArrayEquals(new float[] {0, 1, 1, 0, 1, 1}, batches.get(0).x().toFloatArray());
        assertEquals(List.of(1, 0, 1, 0, 1, 1, 0), labels(Dataset.fromTensors(X, Y)));
        assertThrows(IllegalStateException.class, () -> Dataset.fromTensors(X, Y).batch(2).batch(2));
    }

    @Test
    void shuffleIsAPermutationTheSameInEveryRun() {
        AtomicInteger made = new AtomicInteger();
        List<Integer> first = labels(counting(20, made).shuffle(20, 7));
        assertEquals(20, first.stream().distinct().count());
        assertNotEquals(java.util.stream.IntStream.range(0, 20).boxed().toList(), first);
        assertEquals(first, labels(counting(20, made).shuffle(20, 7)), "same seed, same order");
        Dataset d = counting(20, made).shuffle(20, 7);
        List<Integer> epoch1 = labels(d);
        List<Integer> epoch2 = labels(d);
        assertEquals(first, epoch1);
        assertNotEquals(epoch1, epoch2, "each epoch draws a new order");
        // A buffer of 1 keeps the order: each output is the only element in the buffer.
        assertEquals(java.util.stream.IntStream.range(0, 20).boxed().toList(), labels(counting(20, made).shuffle(1, 3)));
    }

    @Test
    void mapAndPrefetch() throws Exception {
        AtomicInteger made = new AtomicInteger();
        Dataset doubled = counting(10, made).map(e -> new Dataset.Example(e.x().mul(2f), e.y())).prefetch(2).batch(4);
        List<Float> xs = new ArrayList<>();
        for (Dataset.Example b : doubled) {
            for (float v : b.x().toFloatArray()) {
                xs.add(v);
            }
        }
        assertEquals(List.of(0f, 2f, 4f, 6f, 8f, 10f, 12f, 14f, 16f, 18f), xs);

        Dataset failing = Dataset.fromSupplier(() -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Dataset.Example next() {
                if (next++ == 3) {
                    throw new IllegalStateException("bad record 3");
                }
                return new Dataset.Example(Jf.constant(new float[] {next}), Jf.constant(0));
            }
        }).prefetch(2);
        Iterator<Dataset.Example> it = failing.iterator();
        it.next();
        it.next();
        it.next();
        IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
        assertEquals("bad record 3", e.getMessage(), "the producer's exception, where the element was taken");

        // An endless source, left after two elements: closing stops the producing thread.
        AtomicInteger endless = new AtomicInteger();
        Iterator<Dataset.Example> open = counting(Integer.MAX_VALUE, endless).prefetch(2).iterator();
        open.next();
        open.next();
        ((AutoCloseable) open).close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (prefetchThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, prefetchThreads());
        assertTrue(endless.get() < 10, "the producer ran only a few elements ahead: " + endless.get());
    }

    private static long prefetchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("jitflow-prefetch") && t.isAlive()).count();
    }

    @Test
    void fitOnADatasetEqualsFitOnTheSameBatches() {
        Jf.setRandomSeed(12);
        Sequential fromTensors = new Sequential(new Input(2), new Dense(2, "softmax"));
        fromTensors.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        History a = fromTensors.fit(X, Y, FitOptions.epochs(3).batchSize(3).shuffle(false).verbose(0));
        Jf.setRandomSeed(12);
        Sequential fromDataset = new Sequential(new Input(2), new Dense(2, "softmax"));
        fromDataset.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        History b = fromDataset.fit(Dataset.fromTensors(X, Y).batch(3).prefetch(2), FitOptions.epochs(3).verbose(0));
        assertEquals(a.get("loss"), b.get("loss"));
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(fromTensors.getWeights().get(i).toFloatArray(), fromDataset.getWeights().get(i)
                    .toFloatArray(), 0f);
        }
        AtomicInteger made = new AtomicInteger();
        Sequential limited = new Sequential(new Input(1), new Dense(1));
        limited.compile("sgd", "mse");
        limited.fit(counting(1000, made).map(e -> new Dataset.Example(e.x(), e.y().cast(io.jitflow.ir.DType.FLOAT32)))
                .batch(10), FitOptions.epochs(2).stepsPerEpoch(3).verbose(0));
        assertTrue(made.get() <= 2 * 40 + 10, "steps per epoch stop reading early: " + made.get() + " examples made");
        IllegalArgumentException unbatched = assertThrows(IllegalArgumentException.class,
                () -> limited.fit(Dataset.fromTensors(X, Y), FitOptions.epochs(1)));
        assertEquals("fit: the dataset gives single examples; batch it first (dataset.batch(32))", unbatched.getMessage());
    }
}
