package io.jitflow.data;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A source of examples that need not fit in memory, as a small tf.data: made from tensors, a Java
 * iterable or a supplier of iterators (read again each epoch), then transformed with
 * {@link #map}, {@link #shuffle} (through a buffer), {@link #batch} and {@link #prefetch} (a
 * background thread working ahead). Each element is an {@link Example}; after {@link #batch}, an
 * example holds a batch (a leading batch dim). {@code Model.fit(Dataset, FitOptions)} trains on
 * the batches. Iterating twice gives the same examples in the same order (a shuffle's seed is kept).
 */
public final class Dataset implements Iterable<Dataset.Example> {
    /** Features and labels; after {@link #batch}, a batch of them. */
    public record Example(Tensor x, Tensor y) {
    }

    private final Supplier<Iterator<Example>> source;
    private final boolean batched;

    private Dataset(Supplier<Iterator<Example>> source, boolean batched) {
        this.source = source;
        this.batched = batched;
    }

    /** The examples of x and y along their first dim (the tensors are in memory already). */
    public static Dataset fromTensors(Tensor x, Tensor y) {
        int n = x.shape()[0];
        if (y.shape()[0] != n) {
            throw new IllegalArgumentException("Dataset.fromTensors: x and y must hold the same number of examples, got "
                    + x.type() + " and " + y.type());
        }
        return new Dataset(() -> new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Example next() {
                if (next >= n) {
                    throw new NoSuchElementException();
                }
                Tensor index = Jf.constant(next++);
                return new Example(Jf.gather(x, index, 0), Jf.gather(y, index, 0));
            }
        }, false);
    }

    /** Examples from an iterable, iterated afresh for every epoch (a file reader, a database cursor, ...). */
    public static Dataset fromIterable(Iterable<Example> examples) {
        return new Dataset(examples::iterator, false);
    }

    /** Examples from a new iterator per epoch. */
    public static Dataset fromSupplier(Supplier<Iterator<Example>> examples) {
        return new Dataset(examples, false);
    }

    @Override
    public Iterator<Example> iterator() {
        return source.get();
    }

    /** Whether each element is a batch (after {@link #batch}). */
    public boolean isBatched() {
        return batched;
    }

    /** Each element transformed by {@code f} (a decode, a normalization, an augmentation). */
    public Dataset map(UnaryOperator<Example> f) {
        return new Dataset(() -> new Stage(source.get()) {
            @Override
            public Example next() {
                return f.apply(in.next());
            }
        }, batched);
    }

    /**
     * Elements in a random order drawn through a buffer of {@code bufferSize} (each output is a
     * random element of the buffer, replaced by the next input), as tf.data's shuffle: a buffer as
     * large as the data shuffles it uniformly. Each epoch draws a new order, the same in every run.
     */
    public Dataset shuffle(int bufferSize, long seed) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("shuffle: the buffer must hold at least 1 element, got " + bufferSize);
        }
        long[] epoch = {0};
        return new Dataset(() -> {
            Random random = new Random(seed + 31 * epoch[0]++);
            List<Example> buffer = new ArrayList<>();
            return new Stage(source.get()) {
                @Override
                public boolean hasNext() {
                    while (buffer.size() < bufferSize && in.hasNext()) {
                        buffer.add(in.next());
                    }
                    return !buffer.isEmpty();
                }

                @Override
                public Example next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    int pick = random.nextInt(buffer.size());
                    Example chosen = buffer.get(pick);
                    buffer.set(pick, buffer.get(buffer.size() - 1));
                    buffer.remove(buffer.size() - 1);
                    return chosen;
                }
            };
        }, batched);
    }

    /** Consecutive elements stacked into batches of {@code size} (the last one smaller when they run out). */
    public Dataset batch(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("batch: the size must be >= 1, got " + size);
        }
        if (batched) {
            throw new IllegalStateException("batch: the dataset is batched already");
        }
        return new Dataset(() -> new Stage(source.get()) {
                @Override
                public Example next() {
                    List<Tensor> xs = new ArrayList<>();
                    List<Tensor> ys = new ArrayList<>();
                    while (xs.size() < size && in.hasNext()) {
                        Example e = in.next();
                        xs.add(e.x());
                        ys.add(e.y());
                    }
                    if (xs.isEmpty()) {
                        throw new NoSuchElementException();
                    }
                    return new Example(Jf.stack(xs, 0), Jf.stack(ys, 0));
                }
            }, true);
    }

    /**
     * Elements produced by a background thread up to {@code count} ahead of their use, so that
     * reading and preparing data overlaps training. An exception in the producer is thrown where the
     * element would have been taken.
     */
    public Dataset prefetch(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("prefetch: count must be >= 1, got " + count);
        }
        return new Dataset(() -> new Prefetcher(source.get(), count), batched);
    }

    /**
     * A transformation's iterator over the one before it. Closing it (fit does when it leaves an
     * epoch early) closes the stages before it, so a prefetching thread stops.
     */
    private abstract static class Stage implements Iterator<Example>, AutoCloseable {
        final Iterator<Example> in;

        Stage(Iterator<Example> in) {
            this.in = in;
        }

        /** As many as upstream has (a stage that buffers or ends early says otherwise). */
        @Override
        public boolean hasNext() {
            return in.hasNext();
        }

        @Override
        public void close() {
            if (in instanceof AutoCloseable upstream) {
                try {
                    upstream.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing a dataset stage: " + e.getMessage(), e);
                }
            }
        }
    }

    /** An iterator fed by a daemon thread through a bounded queue. */
    private static final class Prefetcher extends Stage {
        /** What the producer puts last: the end, or the exception that ended it. */
        private record End(RuntimeException failure) {
        }

        private final BlockingQueue<Object> queue;
        private final Thread producer;
        private Object head;

        Prefetcher(Iterator<Example> in, int count) {
            super(in);
            queue = new ArrayBlockingQueue<>(count + 1);
            producer = new Thread(() -> {
                try {
                    while (in.hasNext()) {
                        queue.put(in.next());
                    }
                    queue.put(new End(null));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    try {
                        queue.put(new End(e));
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                    }
                } finally {
                    // The producer alone reads from upstream, so it closes it.
                    super.close();
                }
            }, "jitflow-prefetch");
            producer.setDaemon(true);
            producer.start();
        }

        /** Stops the producer (it may be waiting for room in the queue), which then closes what it reads from. */
        @Override
        public void close() {
            producer.interrupt();
            queue.clear();
        }

        @Override
        public boolean hasNext() {
            if (head == null) {
                try {
                    head = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the next element", e);
                }
            }
            if (head instanceof End end && end.failure() != null) {
                throw end.failure();
            }
            return !(head instanceof End);
        }

        @Override
        public Example next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Example e = (Example) head;
            head = null;
            return e;
        }
    }
}
