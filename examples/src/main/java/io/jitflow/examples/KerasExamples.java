package io.jitflow.examples;

import static io.jitflow.Jf.constant;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Functional;
import io.jitflow.keras.History;
import io.jitflow.keras.Model;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.callbacks.EarlyStopping;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.KerasTensor;
import io.jitflow.keras.layers.Merge;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The lectures' small Keras programs: a one-neuron regression, XOR, the linear classifier; and the
 * bits again as a functional model of two inputs and two outputs.
 */
public final class KerasExamples {
    private KerasExamples() {
    }

    /** Dense(1) on xs = [1, 2, 3, 4, 10], ys = [1, 4, 6, 8, 20] with "mse" and "sgd"; returns the prediction at 7. */
    public static float regression(PrintStream out) {
        Jf.setRandomSeed(10);
        Sequential model = new Sequential(new Input(1), new Dense(1));
        model.compile("sgd", "mse");
        Tensor xs = constant(new float[][] {{1}, {2}, {3}, {4}, {10}});
        Tensor ys = constant(new float[][] {{1}, {4}, {6}, {8}, {20}});
        History h = model.fit(xs, ys, FitOptions.epochs(500).verbose(0));
        float prediction = model.predict(constant(new float[][] {{7}})).floatValue();
        out.printf("regression: loss %.4f after 500 epochs; model(7) = %.3f (the least-squares line gives 13.98)%n",
                h.get("loss").get(499), prediction);
        return prediction;
    }

    /**
     * XOR of three bits: 10,000 random points, a 3-4-3-2 tanh network with a softmax output, Adam,
     * validation split 0.1; returns the validation accuracy.
     */
    public static double xor(PrintStream out) {
        Jf.setRandomSeed(11);
        Tensor[] data = threeBits(5);
        Tensor x = data[0];
        Tensor parity = data[1];
        Sequential model = new Sequential(new Input(3), new Dense(4, "tanh"), new Dense(3, "tanh"),
                new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        History h = model.fit(x, parity, FitOptions.epochs(20).batchSize(32).validationSplit(0.1).verbose(0));
        double accuracy = h.get("val_accuracy").get(19);
        out.printf("xor: validation accuracy %.4f after 20 epochs%n", accuracy);
        return accuracy;
    }

    /** 10,000 random triples of bits (as float32) and their parity, drawn with {@code seed}. */
    private static Tensor[] threeBits(long seed) {
        Tensor bits = Jf.cast(Jf.greater(Jf.randomUniform(new int[] {10_000, 3}, 0, 1, seed, DType.FLOAT32),
                constant(0.5f)), DType.INT32);
        return new Tensor[] {bits.cast(DType.FLOAT32), Jf.mod(Jf.reduceSum(bits, 1), constant(2))};
    }

    /** The linear classifier from scratch, now as Sequential([Dense(1)]) with "mse" and SGD(0.1). */
    public static double linearClassifier(PrintStream out) {
        Jf.setRandomSeed(12);
        Tensor a = Jf.randomNormal(new int[] {1000, 2}, 0, 1, 1, DType.FLOAT32)
                .matmul(constant(new float[][] {{1, 0.5f}, {0, (float) Math.sqrt(0.75)}})).add(constant(new float[] {0, 3}));
        Tensor b = Jf.randomNormal(new int[] {1000, 2}, 0, 1, 2, DType.FLOAT32)
                .matmul(constant(new float[][] {{1, 0.5f}, {0, (float) Math.sqrt(0.75)}})).add(constant(new float[] {3, 0}));
        Tensor x = Jf.concat(List.of(a, b), 0);
        Tensor y = Jf.concat(List.of(Jf.zeros(1000, 1), Jf.ones(1000, 1)), 0);
        Sequential model = new Sequential(new Input(2), new Dense(1));
        model.compile(new io.jitflow.keras.Optimizer.Sgd(0.1), "mse", "accuracy");
        model.fit(x, y, FitOptions.epochs(40).batchSize(2000).verbose(0));
        Map<String, Double> result = model.evaluate(x, y, 2000);
        out.printf("linear classifier (Sequential): loss %.4f, accuracy %.4f%n", result.get("loss"), result.get("accuracy"));
        return result.get("accuracy");
    }

    /**
     * Three bits again, as a functional model of two inputs and two outputs: the first two bits and
     * the third come in apart, each through its own tanh layer, are concatenated and pass a residual
     * block; one head says the parity, the other how many bits are set (0 to 3), each with its own
     * loss. Trained until EarlyStopping sees the validation loss stall (the best weights restored);
     * the training curves go to {@code plot} (.svg or .png). Returns the validation loss and
     * metrics of the restored weights ({@code parity_accuracy}, {@code ones_accuracy}, ...).
     */
    public static Map<String, Double> twoInputBits(PrintStream out, java.nio.file.Path plot) throws java.io.IOException {
        Jf.setRandomSeed(13);
        Tensor[] data = threeBits(6);
        Tensor pairs = Jf.slice(data[0], ":, :2");
        Tensor thirds = Jf.slice(data[0], ":, 2:");
        Tensor parity = data[1];
        Tensor ones = Jf.cast(Jf.reduceSum(data[0], 1), DType.INT32);
        KerasTensor pair = KerasTensor.input("pair", 2);
        KerasTensor third = KerasTensor.input("third", 1);
        KerasTensor joined = Merge.concatenate(-1).apply(new Dense(6, "tanh").apply(pair), new Dense(2, "tanh").apply(third));
        KerasTensor deeper = new Dense(8, "tanh").apply(joined);
        KerasTensor block = Merge.add().apply(joined, deeper);
        KerasTensor parityHead = new Dense(2, "softmax").named("parity").apply(block);
        KerasTensor onesHead = new Dense(4, "softmax").named("ones").apply(block);
        Model model = Functional.model(List.of(pair, third), List.of(parityHead, onesHead));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        // Improvements under 0.001 count as a stall: the loss creeps toward 0 long after both heads are right.
        EarlyStopping stop = new EarlyStopping("val_loss", 3, 1e-3, "min", true);
        History history = model.fit(List.of(pairs, thirds), List.of(parity, ones), FitOptions.epochs(60).batchSize(32)
                .validationSplit(0.1).verbose(0).callbacks(stop));
        history.plot(plot);
        int n = pairs.shape()[0];
        Tensor held = Jf.range(n * 9 / 10, n, 1);
        Map<String, Double> validation = model.evaluate(List.of(Jf.gather(pairs, held, 0), Jf.gather(thirds, held, 0)),
                List.of(Jf.gather(parity, held, 0), Jf.gather(ones, held, 0)), 32);
        out.printf("two inputs (pair, third), two outputs (parity, ones), EarlyStopping: %d epochs%s; validation"
                + " accuracy: parity %.4f, ones %.4f; curves in %s%n", history.epoch().size(), stop.stoppedEpoch() >= 0
                ? " (stopped early, best epoch " + (stop.bestEpoch() + 1) + " restored)" : "",
                validation.get("parity_accuracy"), validation.get("ones_accuracy"), plot);
        return validation;
    }

    public static void run(PrintStream out) {
        regression(out);
        xor(out);
        linearClassifier(out);
        try {
            twoInputBits(out, java.nio.file.Files.createTempDirectory("jitflow-keras").resolve("two-input-curves.svg"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
