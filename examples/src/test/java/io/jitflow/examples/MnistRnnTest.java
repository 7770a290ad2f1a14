package io.jitflow.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code jitflow example rnn}: the digits read row by row by an LSTM(64) reach at least 95% on the
 * test digits after 25 epochs, as Keras does with the same model (95.4-95.8%).
 */
class MnistRnnTest {
    @Test
    void reachesNinetyFivePercent() {
        double accuracy = MnistRnn.train(MnistClassifier.data(Path.of("data", "mnist-10k")), MnistRnn.EPOCHS,
                new PrintStream(OutputStream.nullOutputStream()));
        assertTrue(accuracy >= 0.95, "test accuracy " + accuracy);
    }
}
