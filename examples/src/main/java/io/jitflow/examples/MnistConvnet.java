package io.jitflow.examples;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Mnist;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Conv2D;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.MaxPooling2D;
import java.io.PrintStream;
import java.util.Map;

/**
 * The classic Keras MNIST convnet on the repository's digits: Conv2D 32 3x3 relu, MaxPooling2D,
 * Conv2D 64 3x3 relu, MaxPooling2D, Flatten, Dropout 0.5, Dense 10 softmax; Adam, batch 128.
 */
public final class MnistConvnet {
    /** The epochs the example trains. */
    public static final int EPOCHS = 20;

    private MnistConvnet() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** The classic Keras MNIST convnet, compiled with Adam and sparse categorical cross-entropy (seeded weights). */
    public static Sequential model() {
        Jf.setRandomSeed(3);
        Sequential model = new Sequential(new Input(28, 28, 1), new Conv2D(32, 3, "relu"), new MaxPooling2D(),
                new Conv2D(64, 3, "relu"), new MaxPooling2D(), new Flatten(), new Dropout(0.5),
                new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        return model;
    }

    /** Trains for {@code epochs} and returns the test accuracy. */
    public static double train(Mnist data, int epochs, PrintStream out) {
        Sequential model = model();
        model.summary(out);
        Tensor images = data.trainImages().reshape(-1, 28, 28, 1);
        model.fit(images, data.trainLabels(), FitOptions.epochs(epochs).batchSize(128).output(out));
        Map<String, Double> test = model.evaluate(data.testImages().reshape(-1, 28, 28, 1), data.testLabels());
        out.printf("test loss %.4f, test accuracy %.4f%n", test.get("loss"), test.get("accuracy"));
        return test.get("accuracy");
    }

    public static void run(PrintStream out) {
        train(MnistClassifier.data(), EPOCHS, out);
    }
}
