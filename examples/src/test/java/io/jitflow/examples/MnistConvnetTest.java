package io.jitflow.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The classic Keras MNIST convnet ({@code jitflow example cnn}) reaches at least 97% on the test
 * digits, as Keras does with it. It runs here, in the fast mode users get (the tests module runs
 * in exact mode, several times slower for a convnet).
 */
class MnistConvnetTest {
    @Test
    void reachesNinetySevenPercent() {
        double accuracy = MnistConvnet.train(MnistClassifier.data(Path.of("data", "mnist-10k")), MnistConvnet.EPOCHS,
                new PrintStream(OutputStream.nullOutputStream()));
        assertTrue(accuracy >= 0.97, "test accuracy " + accuracy);
    }
}
