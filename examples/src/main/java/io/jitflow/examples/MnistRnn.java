package io.jitflow.examples;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Mnist;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.LSTM;
import java.io.PrintStream;
import java.util.Map;

/**
 * The repository's MNIST digits read as sequences of 28 rows of 28 pixels by an LSTM(64), then
 * Dense 10 softmax; Adam, batch 64. The LSTM is a scan over the rows in the compiled training step.
 */
public final class MnistRnn {
    /** The epochs the example trains. */
    public static final int EPOCHS = 30;

    private MnistRnn() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** The model, compiled with Adam and sparse categorical cross-entropy (seeded weights). */
    public static Sequential model() {
        Jf.setRandomSeed(5);
        Sequential model = new Sequential(new Input(28, 28), new LSTM(64), new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        return model;
    }

    /** Trains for {@code epochs} and returns the test accuracy. */
    public static double train(Mnist data, int epochs, PrintStream out) {
        Sequential model = model();
        model.summary(out);
        Tensor rows = data.trainImages().reshape(-1, 28, 28);
        model.fit(rows, data.trainLabels(), FitOptions.epochs(epochs).batchSize(64).output(out));
        Map<String, Double> test = model.evaluate(data.testImages().reshape(-1, 28, 28), data.testLabels());
        out.printf("test loss %.4f, test accuracy %.4f%n", test.get("loss"), test.get("accuracy"));
        return test.get("accuracy");
    }

    public static void run(PrintStream out) {
        train(MnistClassifier.data(), EPOCHS, out);
    }
}
