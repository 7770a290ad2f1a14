package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Dataset;
import io.jitflow.ir.DType;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What {@link Model}'s fit, evaluate and predict do to the data before a step sees it: features
 * and labels as the model and its losses take them, checks that name what is wrong, compile's
 * losses per output, and the epochs' batches of in-memory tensors.
 */
final class TrainingData {
    private TrainingData() {
    }

    /**
     * Features as the model takes them, as Keras's fit does: float64, integer, uint8 and bool arrays
     * are cast to float32 (the model's dtype), and 1-D features become one column.
     */
    static Tensor features(String what, Tensor x) {
        if (x.rank() == 0) {
            throw new IllegalArgumentException(what + ": x must have a batch dim, got " + x.type());
        }
        Tensor columns = x.rank() == 1 ? Jf.expandDims(x, -1) : x;
        return columns.dtype() == DType.FLOAT32 ? columns : columns.cast(DType.FLOAT32);
    }

    static List<Tensor> features(String what, List<Tensor> xs) {
        return xs.stream().map(x -> features(what, x)).toList();
    }

    static boolean sparse(Loss loss) {
        return loss.name().equals("sparse_categorical_crossentropy");
    }

    /**
     * Labels as the loss takes them: for a sparse loss, float labels holding whole numbers become
     * int32 class indices (anything else is refused); other losses cast labels to the predictions'
     * dtype themselves.
     */
    static Tensor labelsFor(Tensor y, Loss loss) {
        if (y == null || !sparse(loss) || !y.dtype().isFloating()) {
            return y;
        }
        if (!Jf.reduceAll(Jf.equal(Jf.floor(y), y)).booleanValue()) {
            double[] values = y.toHostTensor().toDoubleArray();
            int row = 0;
            while (values[row] == Math.floor(values[row])) {
                row++;
            }
            throw new IllegalArgumentException(loss.name() + ": labels must be whole class indices, got "
                    + values[row] + " in row " + row / Math.max(1, values.length / y.shape()[0]));
        }
        return y.cast(DType.INT32);
    }

    static void requireBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
    }

    /** compile's loss for each output: one loss (or name) for all, a list in output order, or a map by output name. */
    static List<Object> lossSpecsFor(Object spec, List<String> outputs) {
        if (spec instanceof List<?> list) {
            if (list.size() != outputs.size()) {
                throw new IllegalArgumentException("compile: " + list.size() + " losses for " + outputs.size()
                        + " outputs " + outputs);
            }
            return Collections.unmodifiableList(new ArrayList<>(list));
        }
        if (spec instanceof Map<?, ?> map) {
            if (!map.keySet().equals(new java.util.HashSet<>(outputs))) {
                throw new IllegalArgumentException("compile: the losses name outputs " + map.keySet() + "; the model's"
                        + " outputs are " + outputs);
            }
            return outputs.stream().map(o -> (Object) map.get(o)).toList();
        }
        return Collections.nCopies(outputs.size(), spec);
    }

    static Loss lossOf(Object spec) {
        if (spec instanceof Loss l) {
            return l;
        }
        if (spec instanceof String s) {
            return Loss.of(s);
        }
        throw new IllegalArgumentException("compile: a loss is a Loss or a name, got "
                + (spec == null ? "null" : spec.getClass().getName()));
    }

    /** Each example's class: the label (sparse, or a 0/1 column), or the index of a one-hot row's largest entry. */
    static long[] classesOf(Tensor labels) {
        boolean oneHot = labels.rank() == 2 && labels.shape()[1] > 1;
        Tensor classes = oneHot ? Jf.argmax(labels, -1) : Jf.reshape(labels, labels.shape()[0]);
        return Jf.round(classes.cast(DType.FLOAT64)).toHostTensor().toLongArray();
    }

    /** Where the epochs' batches come from: each a list of the inputs, the labels and (weighted) each example's weight. */
    interface BatchSource {
        /** The batches of one epoch; {@code random} draws tensors' shuffles. */
        Iterator<List<Tensor>> epoch(Random random);

        /** Batches per epoch, or -1 when the source does not know. */
        int steps();
    }

    /** Batches of in-memory tensors, their rows shuffled each epoch (as before fit took datasets). */
    static BatchSource tensorBatches(List<Tensor> tensors, FitOptions options) {
        int n = tensors.get(0).shape()[0];
        int steps = (n + options.batchSize - 1) / options.batchSize;
        return new BatchSource() {
            public Iterator<List<Tensor>> epoch(Random random) {
                int[] order = order(n, options.shuffle, random);
                return java.util.stream.IntStream.range(0, steps).mapToObj(s -> {
                    int from = s * options.batchSize;
                    Tensor indices = Jf.constant(java.util.Arrays.copyOfRange(order, from, Math.min(n, from + options.batchSize)));
                    // Batches are gathered where the data lives (a GPU, say), and the step runs there.
                    return tensors.stream().map(t -> Jf.gather(t, indices.toDevice(t.device()), 0)).toList();
                }).iterator();
            }

            public int steps() {
                return steps;
            }
        };
    }

    /** Ends an epoch's iteration early or not: a dataset's prefetching thread stops. */
    static void close(Iterator<?> batches) {
        if (batches instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the epoch's batches: " + e.getMessage(), e);
            }
        }
    }

    /** The inputs (x) and labels (y) must hold one number of examples, more than none. */
    static void checkExamples(String what, List<Tensor> xs, List<Tensor> ys) {
        Tensor x = xs.get(0);
        List<Tensor> all = new ArrayList<>(xs);
        all.addAll(ys == null ? Collections.singletonList(null) : ys);
        for (Tensor t : all) {
            if (t == null || t.rank() == 0 || x.shape()[0] != t.shape()[0]) {
                throw new IllegalArgumentException(what + ": x and y must hold the same number of examples along their "
                        + "first dim, got " + String.join(" and ", all.stream().map(v -> v == null ? "no labels"
                        : v.type().toString()).toList()));
            }
        }
        if (x.shape()[0] == 0) {
            throw new IllegalArgumentException(what + ": there are no examples (x is " + x.type() + ")");
        }
    }

    static int[] order(int n, boolean shuffle, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    static Tensor rows(Tensor t, int from, int to) {
        return Jf.gather(t, Jf.range(from, to, 1).toDevice(t.device()), 0);
    }

    /**
     * Each example's weight from fit's sample and class weights (multiplied where both are given),
     * or null when neither is.
     */
    static Tensor exampleWeights(FitOptions options, List<Tensor> allLabels, String model, List<String> outputs) {
        if (options.sampleWeight == null && options.classWeight == null) {
            return null;
        }
        if (options.classWeight != null && allLabels.size() > 1) {
            throw new IllegalArgumentException("fit: class weights need a model of one output; model " + model + " has "
                    + allLabels.size() + " " + outputs + " (give sample weights instead)");
        }
        Tensor labels = allLabels.get(0);
        int n = labels.shape()[0];
        Tensor weights = Jf.ones(DType.FLOAT32, n);
        if (options.sampleWeight != null) {
            if (options.sampleWeight.rank() != 1 || options.sampleWeight.shape()[0] != n) {
                throw new IllegalArgumentException("fit: sample weights must be one per example, shape (" + n + "), got "
                        + options.sampleWeight.type());
            }
            weights = options.sampleWeight.cast(DType.FLOAT32);
        }
        if (options.classWeight != null) {
            long[] classes = classesOf(labels);
            float[] perExample = new float[n];
            for (int i = 0; i < n; i++) {
                Double w = options.classWeight.get((int) classes[i]);
                if (w == null) {
                    throw new IllegalArgumentException("fit: class weights give no weight for class " + classes[i]
                            + " (of example " + i + "); classes weighted: " + options.classWeight.keySet());
                }
                perExample[i] = w.floatValue();
            }
            weights = weights.mul(Jf.constant(perExample));
        }
        return weights;
    }

    /** A batched dataset's batches, read anew each epoch, each checked and its labels prepared for {@code loss}. */
    static BatchSource datasetBatches(Dataset batches, Loss loss) {
        return new BatchSource() {
            public Iterator<List<Tensor>> epoch(Random random) {
                Iterator<Dataset.Example> in = batches.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return in.hasNext();
                    }

                    @Override
                    public List<Tensor> next() {
                        Dataset.Example e = in.next();
                        Tensor x = features("fit", e.x());
                        checkExamples("fit", List.of(x), Collections.singletonList(e.y()));
                        return List.of(x, labelsFor(e.y(), loss));
                    }
                };
            }

            public int steps() {
                return -1;
            }
        };
    }

    /**
     * The error a step's failed label check means: the first label outside [0, classes) in an
     * output's labels, its row and the class count; {@code failure} itself when all are in range.
     * {@code outputs} are the model's output shapes, the classes last.
     */
    static RuntimeException labelError(io.jitflow.ir.EvaluationException failure, List<Tensor> ys, List<Loss> losses,
            List<Shape> outputs, List<String> outputNames) {
        for (int o = 0; o < ys.size(); o++) {
            if (!sparse(losses.get(o))) {
                continue;
            }
            Shape out = outputs.get(o);
            int classes = out.dim(out.rank() - 1).size();
            Tensor y = ys.get(o);
            long[] values = y.toHostTensor().toLongArray();
            int perRow = Math.max(1, values.length / y.shape()[0]);
            for (int i = 0; i < values.length; i++) {
                if (values[i] < 0 || values[i] >= classes) {
                    return new IllegalArgumentException(losses.get(o).name() + ": label " + values[i] + " in row "
                            + i / perRow + (ys.size() > 1 ? " of output " + outputNames.get(o) : "")
                            + " is out of range for " + classes + " classes (expected 0 <= label < " + classes + ")");
                }
            }
        }
        return failure;
    }

    /** Each output's labels as its loss takes them ({@link #labelsFor(Tensor, Loss)}), one list per output of the model. */
    static List<Tensor> labelsFor(List<Tensor> ys, List<Loss> losses, String model, List<String> outputs) {
        if (ys.size() != losses.size()) {
            throw new IllegalArgumentException("model " + model + " has " + losses.size() + " output" + (losses.size() == 1
                    ? "" : "s " + outputs) + ", got labels for " + ys.size());
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < ys.size(); i++) {
            out.add(labelsFor(ys.get(i), losses.get(i)));
        }
        return out;
    }

    /** The sum of the outputs' losses, added in order. */
    static Tensor sum(List<Tensor> losses) {
        return losses.stream().reduce(Tensor::add).orElseThrow();
    }
}
