package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.data.Mnist;
import io.jitflow.examples.KerasExamples;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lectures' Keras programs, and the MNIST acceptance: 784-128-10 relu + Adam, batch 32, 10 epochs, >= 93%. */
class KerasExamplesTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void mnistReluAdamReachesNinetyThreePercent() throws IOException {
        Mnist data = Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Jf.setRandomSeed(2);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(128, "relu"), new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        model.fit(data.trainImages(), data.trainLabels(), FitOptions.epochs(10).batchSize(32).verbose(0));
        Map<String, Double> test = model.evaluate(data.testImages(), data.testLabels());
        assertTrue(test.get("accuracy") >= 0.93, "test accuracy " + test.get("accuracy"));
    }

    @Test
    void twoInputModelStopsEarlyAndPlotsItsCurves(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        java.nio.file.Path plot = dir.resolve("curves.svg");
        Map<String, Double> validation = KerasExamples.twoInputBits(QUIET, plot);
        assertTrue(validation.get("parity_accuracy") > 0.97, validation.toString());
        assertTrue(validation.get("ones_accuracy") > 0.97, validation.toString());
        assertTrue(java.nio.file.Files.readString(plot).contains("<polyline"), "the curves are drawn");
    }

    @Test
    void regressionXorAndTheLinearClassifier() {
        assertEquals(13.98, KerasExamples.regression(QUIET), 0.1);
        assertTrue(KerasExamples.xor(QUIET) > 0.97);
        assertTrue(KerasExamples.linearClassifier(QUIET) > 0.97);
    }
}
