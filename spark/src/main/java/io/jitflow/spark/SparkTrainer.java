package io.jitflow.spark;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.keras.Model;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.storage.StorageLevel;

/**
 * Data-parallel training of a compiled Keras model (one input, one output) on a DataFrame's
 * partitions; the data never goes to the driver.
 * <ul>
 * <li>{@link #synchronous}: each global step, every partition computes the loss's gradients on its
 * share of the global batch, Spark sums them ({@code treeAggregate}, weighted by the examples), the
 * driver's optimizer applies their mean once, and the new weights are broadcast: the same step as
 * one machine's on the same global batch, up to the order of float sums (the partitions' parts are
 * summed in partition order, so runs agree bit for bit). The optimizer's state stays on the driver.</li>
 * <li>{@link #averaging}: every partition trains a copy for {@code localSteps} steps of its own
 * batches, from the broadcast weights and optimizer state, and the driver averages what the copies
 * end with (weights and optimizer state), as DL4J's parameter averaging: one job per
 * {@code localSteps} steps instead of one per step, at the price of steps that see only one
 * partition's data between averages.</li>
 * </ul>
 * Each task is a function of the broadcast values and its partition, so a task that Spark retries
 * gives the same result. Each epoch can end with an atomic checkpoint ({@code Model.save}), which
 * {@code Model.load} reads back with the optimizer's state, and {@code fit(..., initialEpoch, ...)}
 * goes on from: the same steps an uninterrupted run takes.
 */
public final class SparkTrainer {
    private final Model model;
    private final boolean synchronous;
    private final int batchSize;
    private final int localSteps;
    private boolean shuffle = true;
    private long seed = 1;
    private Path checkpoints;
    private PrintStream out;

    private SparkTrainer(Model model, boolean synchronous, int batchSize, int localSteps) {
        if (batchSize < 1 || localSteps < 1) {
            throw new IllegalArgumentException("SparkTrainer: the batch size and the local steps must be >= 1, got "
                    + batchSize + " and " + localSteps);
        }
        this.model = model;
        this.synchronous = synchronous;
        this.batchSize = batchSize;
        this.localSteps = localSteps;
    }

    /** Synchronous training with {@code globalBatchSize} examples per step, shared among the partitions by their sizes. */
    public static SparkTrainer synchronous(Model model, int globalBatchSize) {
        return new SparkTrainer(model, true, globalBatchSize, 1);
    }

    /** Parameter averaging: each partition's copy takes {@code localSteps} steps of {@code batchSize} between averages. */
    public static SparkTrainer averaging(Model model, int batchSize, int localSteps) {
        return new SparkTrainer(model, false, batchSize, localSteps);
    }

    /** Whether each partition's examples are drawn in a new order each epoch (from the seed, the epoch and the partition). */
    public SparkTrainer shuffle(boolean on) {
        this.shuffle = on;
        return this;
    }

    public SparkTrainer seed(long s) {
        this.seed = s;
        return this;
    }

    /** Saves the model (and optimizer state) after each epoch to {@code dir/epoch-NNN.jfg}, atomically. */
    public SparkTrainer checkpoints(Path dir) {
        this.checkpoints = dir;
        return this;
    }

    /** Prints a line per epoch (loss, time, examples per second) to {@code stream}. */
    public SparkTrainer output(PrintStream stream) {
        this.out = stream;
        return this;
    }

    public List<Double> fit(Dataset<Row> data, String featuresColumn, String labelColumn, int epochs) {
        return fit(data, featuresColumn, labelColumn, 0, epochs);
    }

    /**
     * Trains epochs {@code initialEpoch} to {@code epochs - 1} on the rows' features and labels (an
     * integer column gives class indices, numbers or arrays of numbers give float labels); returns
     * each epoch's mean loss. The model must be compiled with an optimizer without a schedule and its
     * loss and metrics given by name, since the tasks make their copies from its configs.
     */
    public List<Double> fit(Dataset<Row> data, String featuresColumn, String labelColumn, int initialEpoch, int epochs) {
        Map<String, Object> compile = model.getCompileConfig();
        if (compile == null) {
            throw new IllegalStateException("SparkTrainer: compile the model first, with an optimizer without a schedule"
                    + " and its loss and metrics by name (the tasks make their copies of the model from its configs)");
        }
        if (model.inputNames().size() != 1 || model.outputNames().size() != 1) {
            throw new IllegalArgumentException("SparkTrainer trains models of one input and one output; model "
                    + model.name() + " has " + model.inputNames().size() + " and " + model.outputNames().size());
        }
        Dataset<Row> selected = data.select(featuresColumn, labelColumn);
        Features features = Features.of(selected.schema(), List.of(featuresColumn));
        DataType labelType = selected.schema().fields()[1].dataType();
        if (!(labelType instanceof NumericType || labelType instanceof ArrayType a && a.elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("SparkTrainer: the label column " + labelColumn + " is "
                    + labelType.simpleString() + "; expected numbers or arrays of numbers");
        }
        boolean integerLabels = labelType instanceof IntegralType;
        List<Dim> dims = model.inputShapes().get(0).dims();
        int[] featureShape = dims.subList(1, dims.size()).stream().mapToInt(Dim::size).toArray();
        int width = java.util.Arrays.stream(featureShape).reduce(1, (a, b) -> a * b);
        Replicas replicas = new Replicas(model.toJson(), compile, featureShape);
        JavaRDD<Shard> shards = selected.javaRDD().mapPartitionsWithIndex((p, rows) -> List.of(Shard.of(p, rows, features,
                width, 1, integerLabels)).iterator(), true).persist(StorageLevel.MEMORY_ONLY());
        try {
            List<Integer> counts = shards.map(s -> s.rows).collect();
            long total = counts.stream().mapToLong(Integer::longValue).sum();
            if (total == 0) {
                throw new IllegalArgumentException("SparkTrainer: the DataFrame has no rows to train on");
            }
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
            model.optimizer().build(model.trainableWeights());
            List<Double> losses = new ArrayList<>();
            for (int epoch = initialEpoch; epoch < epochs; epoch++) {
                long start = System.nanoTime();
                double loss = synchronous ? synchronousEpoch(sc, shards, counts, total, replicas, epoch)
                        : averagingEpoch(sc, shards, counts, replicas, epoch);
                losses.add(loss);
                double seconds = (System.nanoTime() - start) / 1e9;
                if (out != null) {
                    out.printf(Locale.ROOT, "epoch %d/%d - loss %.4f - %.1f s (%,.0f examples/s)%n", epoch + 1, epochs,
                            loss, seconds, total / seconds);
                }
                if (checkpoints != null) {
                    Files.createDirectories(checkpoints);
                    model.save(checkpoints.resolve(String.format(Locale.ROOT, "epoch-%03d.jfg", epoch + 1)));
                }
            }
            return losses;
        } catch (IOException e) {
            throw new UncheckedIOException("SparkTrainer: writing a checkpoint to " + checkpoints + ": " + e.getMessage(), e);
        } finally {
            shards.unpersist(false);
        }
    }

    /** Each partition's share of a global batch: in proportion to its examples, at least one. */
    private int[] shares(List<Integer> counts, long total) {
        int[] share = new int[counts.size()];
        for (int p = 0; p < share.length; p++) {
            share[p] = (int) Math.max(1, Math.round((double) batchSize * counts.get(p) / total));
        }
        return share;
    }

    private static int steps(List<Integer> counts, int[] share) {
        int steps = 0;
        for (int p = 0; p < share.length; p++) {
            steps = Math.max(steps, (counts.get(p) + share[p] - 1) / share[p]);
        }
        return steps;
    }

    private double synchronousEpoch(JavaSparkContext sc, JavaRDD<Shard> shards, List<Integer> counts, long total,
            Replicas replicas, int epoch) {
        int[] share = shares(counts, total);
        List<Variable> frozen = Replicas.frozen(model);
        int trainable = model.trainableWeights().size();
        boolean order = shuffle;
        long s = seed;
        double lossSum = 0;
        for (int step = 0, steps = steps(counts, share); step < steps; step++) {
            Broadcast<double[][]> weights = sc.broadcast(Replicas.values(model.weights()));
            int k = step;
            Sum sum = shards.treeAggregate(new Sum(), (acc, shard) -> acc.plus(gradients(shard, k, epoch,
                    share[shard.partition], order, s, replicas, weights.value())), Sum::plus).total();
            weights.destroy();
            if (sum.examples == 0) {
                continue;
            }
            List<Tensor> mean = new ArrayList<>();
            List<Variable> weightsNow = model.trainableWeights();
            for (int i = 0; i < trainable; i++) {
                mean.add(tensor(sum.values[i], sum.examples, weightsNow.get(i)));
            }
            model.applyGradients(mean);
            Replicas.assign(frozen, scaled(sum.values, trainable, sum.examples), 0);
            lossSum += sum.loss;
        }
        return lossSum / total;
    }

    /** One shard's part of a synchronous step: its examples' gradient sum (and frozen weights after it), loss sum and count. */
    private static Sum gradients(Shard shard, int step, int epoch, int share, boolean shuffle, long seed, Replicas replicas,
            double[][] weights) {
        int from = step * share;
        int to = Math.min(shard.rows, from + share);
        if (from >= to) {
            return new Sum();
        }
        List<Tensor> batch = shard.batch(shard.order(shuffle, seed, epoch), from, to, replicas.featureShape());
        int n = to - from;
        return replicas.withModel(replica -> {
            Replicas.assign(replica.weights(), weights, 0);
            Model.Gradients g = replica.gradients(batch.get(0), batch.get(1), noiseSeed(seed, epoch, step, shard.partition));
            List<double[]> values = new ArrayList<>();
            for (Tensor t : g.values()) {
                values.add(times(t.toHostTensor().toDoubleArray(), n));
            }
            for (double[] frozen : Replicas.values(Replicas.frozen(replica))) {
                values.add(times(frozen, n));
            }
            return new Sum(shard.partition, values.toArray(new double[0][]), g.loss() * n, n);
        });
    }

    private double averagingEpoch(JavaSparkContext sc, JavaRDD<Shard> shards, List<Integer> counts, Replicas replicas,
            int epoch) {
        int b = batchSize;
        int steps = 0;
        for (int c : counts) {
            steps = Math.max(steps, (c + b - 1) / b);
        }
        boolean order = shuffle;
        long s = seed;
        int k = localSteps;
        double lossSum = 0;
        long examples = 0;
        for (int round = 0; round * k < steps; round++) {
            List<Variable> state = state(model);
            Broadcast<double[][]> start = sc.broadcast(Replicas.values(state));
            int r = round;
            Sum sum = shards.treeAggregate(new Sum(), (acc, shard) -> acc.plus(localTraining(shard, r, k, b, epoch, order, s,
                    replicas, start.value())), Sum::plus).total();
            start.destroy();
            if (sum.replicas == 0) {
                continue;
            }
            Replicas.assign(state, scaled(sum.values, 0, sum.replicas), 0);
            lossSum += sum.loss;
            examples += sum.examples;
        }
        return lossSum / examples;
    }

    /** A partition's copy trained for its steps of round {@code round}: its weights and optimizer state after them. */
    private static Sum localTraining(Shard shard, int round, int localSteps, int batchSize, int epoch, boolean shuffle,
            long seed, Replicas replicas, double[][] start) {
        int first = round * localSteps * batchSize;
        if (first >= shard.rows) {
            return new Sum();
        }
        int[] order = shard.order(shuffle, seed, epoch);
        return replicas.withModel(replica -> {
            List<Variable> state = state(replica);
            Replicas.assign(state, start, 0);
            double loss = 0;
            int n = 0;
            for (int step = round * localSteps; step < (round + 1) * localSteps && step * batchSize < shard.rows; step++) {
                int from = step * batchSize;
                int to = Math.min(shard.rows, from + batchSize);
                List<Tensor> batch = shard.batch(order, from, to, replicas.featureShape());
                Model.Gradients g = replica.gradients(batch.get(0), batch.get(1), noiseSeed(seed, epoch, step,
                        shard.partition));
                replica.applyGradients(g.values());
                loss += g.loss() * (to - from);
                n += to - from;
            }
            return new Sum(shard.partition, Replicas.values(state), loss, n);
        });
    }

    /** What averaging averages: every weight, then the optimizer's state. */
    private static List<Variable> state(Model m) {
        List<Variable> all = new ArrayList<>(m.weights());
        all.addAll(m.optimizer().variables());
        return all;
    }

    private static long noiseSeed(long seed, int epoch, int step, int partition) {
        return ((seed * 31 + epoch) * 1_000_003L + step) * 1_009L + partition;
    }

    private static double[] times(double[] values, double factor) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = values[i] * factor;
        }
        return out;
    }

    /** values[from..] divided by {@code by}. */
    private static double[][] scaled(double[][] values, int from, double by) {
        double[][] out = new double[values.length - from][];
        for (int i = 0; i < out.length; i++) {
            out[i] = times(values[from + i], 1 / by);
        }
        return out;
    }

    private static Tensor tensor(double[] sum, double count, Variable like) {
        HostTensor.Writer w = HostTensor.writer(like.dtype(), like.shape());
        for (int i = 0; i < sum.length; i++) {
            w.setDouble(i, sum[i] / count);
        }
        return Tensor.of(w.build());
    }

    /**
     * What the tasks of a step return, kept by partition while Spark combines them, and summed in
     * partition order at the end: the same bits whatever order the tasks finish in (a float sum
     * depends on its order).
     */
    static final class Sum implements Serializable {
        private static final long serialVersionUID = 1L;
        private final java.util.TreeMap<Integer, Part> parts = new java.util.TreeMap<>();
        double[][] values;
        double loss;
        long examples;
        int replicas;

        /** One task's values, loss sum and examples. */
        record Part(double[][] values, double loss, long examples) implements Serializable {
        }

        Sum() {
        }

        Sum(int partition, double[][] values, double loss, long examples) {
            parts.put(partition, new Part(values, loss, examples));
        }

        Sum plus(Sum other) {
            Sum sum = new Sum();
            sum.parts.putAll(parts);
            sum.parts.putAll(other.parts);
            return sum;
        }

        /** Sums the parts, in partition order; returns this. */
        Sum total() {
            for (Part p : parts.values()) {
                if (values == null) {
                    values = new double[p.values.length][];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = p.values[i].clone();
                    }
                } else {
                    for (int i = 0; i < values.length; i++) {
                        for (int j = 0; j < values[i].length; j++) {
                            values[i][j] += p.values[i][j];
                        }
                    }
                }
                loss += p.loss;
                examples += p.examples;
                replicas++;
            }
            return this;
        }
    }
}
