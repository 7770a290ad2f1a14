package io.jitflow.examples;

import io.jitflow.Jf;
import io.jitflow.data.Mnist;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.History;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Handwritten digits (8,000 training and 2,000 test images of MNIST): the lectures' 784-30-10
 * sigmoid network trained with SGD, and a 784-128-10 relu network trained with Adam.
 */
public final class MnistClassifier {
    /** Where the example data lives, relative to the repository root. */
    public static final Path DATA = Path.of("examples", "data", "mnist-10k");

    private MnistClassifier() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    public static Mnist data() {
        return data(DATA);
    }

    public static Mnist data(Path dir) {
        try {
            return Mnist.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the MNIST files in " + dir.toAbsolutePath(), e);
        }
    }

    /** The lectures' model: 784-30-10, sigmoid everywhere, SGD. Returns test accuracy. */
    public static double sigmoidSgd(Mnist data, int epochs, PrintStream out) {
        Jf.setRandomSeed(1);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(30, "sigmoid"),
                new Dense(10, "sigmoid"));
        model.summary(out);
        model.compile("sgd", "sparse_categorical_crossentropy", "accuracy");
        model.fit(data.trainImages(), data.trainLabels(), FitOptions.epochs(epochs).batchSize(32).output(out));
        Map<String, Double> test = model.evaluate(data.testImages(), data.testLabels());
        out.printf("test loss %.4f, test accuracy %.4f%n", test.get("loss"), test.get("accuracy"));
        return test.get("accuracy");
    }

    /** 784-128-10 relu with a softmax output and Adam, batch 32. Returns the fit history and test accuracy. */
    /** A trained model with its training history and test accuracy. */
    public record Trained(Sequential model, History history, double testAccuracy) {
    }

    public static Trained reluAdam(Mnist data, int epochs, PrintStream out) {
        Jf.setRandomSeed(2);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(128, "relu"),
                new Dense(10, "softmax"));
        model.summary(out);
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        History history = model.fit(data.trainImages(), data.trainLabels(),
                FitOptions.epochs(epochs).batchSize(32).validationSplit(0.1).output(out));
        Map<String, Double> test = model.evaluate(data.testImages(), data.testLabels());
        out.printf("test loss %.4f, test accuracy %.4f%n", test.get("loss"), test.get("accuracy"));
        return new Trained(model, history, test.get("accuracy"));
    }

    public static void run(PrintStream out) {
        Mnist data = data();
        sigmoidSgd(data, 5, out);
        reluAdam(data, 10, out);
    }
}
