package io.jitflow.keras;

import static io.jitflow.keras.Summaries.summaryLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Bidirectional;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.GRU;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.LSTM;
import io.jitflow.keras.layers.SimpleRNN;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SimpleRNN, LSTM, GRU and Bidirectional: Keras's shapes and parameter counts, values against the
 * recurrences written out step by step over plain arrays, and a model that trains.
 */
class RecurrentLayersTest {
    @Test
    void shapesAndParameterCountsAsKeras() {
        // Keras: SimpleRNN u(f + u) + u; LSTM 4u(f + u) + 4u; GRU (reset_after) 3u(f + u) + 6u.
        assertEquals("(None, 32) 1952", summaryLine(new SimpleRNN(32), 10, 28));
        assertEquals("(None, 64) 23808", summaryLine(new LSTM(64), 28, 28));
        assertEquals("(None, 10, 64) 23808", summaryLine(new LSTM(64).returnSequences(true), 10, 28));
        assertEquals("(None, 16) 1248", summaryLine(new GRU(16), 5, 8));
        assertEquals("(None, 7, 16) 1536", summaryLine(new Bidirectional(new LSTM(8).returnSequences(true)), 7, 15));
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** row r of x [batch, features] times w [features, cols]: a [cols] vector. */
    private static double[] times(double[] x, int r, int features, double[] w, int cols) {
        double[] out = new double[cols];
        for (int j = 0; j < cols; j++) {
            for (int k = 0; k < features; k++) {
                out[j] += x[r * features + k] * w[k * cols + j];
            }
        }
        return out;
    }

    @Test
    void lstmFollowsKerasGateOrderStepByStep() {
        Jf.setRandomSeed(11);
        int batch = 2;
        int time = 3;
        int features = 4;
        int units = 5;
        LSTM layer = new LSTM(units);
        layer.returnSequences(true).goBackwards(true);
        layer.build(io.jitflow.ir.Shape.of(batch, time, features));
        Tensor x = Jf.randomUniform(new int[] {batch, time, features}, -1, 1, 3, DType.FLOAT64);
        List<Tensor> weights = layer.getWeights();
        layer.setWeights(List.of(Jf.randomUniform(weights.get(0).shape(), -0.5, 0.5, 4, DType.FLOAT32),
                Jf.randomUniform(weights.get(1).shape(), -0.5, 0.5, 5, DType.FLOAT32),
                Jf.randomUniform(weights.get(2).shape(), -0.5, 0.5, 6, DType.FLOAT32)));
        double[] w = layer.getWeights().get(0).toDoubleArray();
        double[] u = layer.getWeights().get(1).toDoubleArray();
        double[] b = layer.getWeights().get(2).toDoubleArray();
        List<Tensor> out = layer.callWithStates(x.cast(DType.FLOAT32));
        double[] xs = x.cast(DType.FLOAT32).toDoubleArray();
        double[] sequence = out.get(0).toDoubleArray();
        for (int n = 0; n < batch; n++) {
            double[] h = new double[units];
            double[] c = new double[units];
            for (int i = 0; i < time; i++) {
                int t = time - 1 - i; // go_backwards: the last row first, its output first
                double[] z = times(xs, n * time + t, features, w, 4 * units);
                double[] r = times(h, 0, units, u, 4 * units);
                for (int j = 0; j < units; j++) {
                    double in = sigmoid(z[j] + r[j] + b[j]);
                    double forget = sigmoid(z[units + j] + r[units + j] + b[units + j]);
                    double cell = Math.tanh(z[2 * units + j] + r[2 * units + j] + b[2 * units + j]);
                    c[j] = forget * c[j] + in * cell;
                }
                for (int j = 0; j < units; j++) {
                    double o = sigmoid(z[3 * units + j] + r[3 * units + j] + b[3 * units + j]);
                    h[j] = o * Math.tanh(c[j]);
                    assertEquals(h[j], sequence[(n * time + i) * units + j], 1e-5, "batch " + n + " step " + i);
                }
            }
            for (int j = 0; j < units; j++) {
                assertEquals(c[j], out.get(2).toDoubleArray()[n * units + j], 1e-5, "final c");
            }
        }
    }

    @Test
    void gruFollowsKerasResetAfterStepByStep() {
        Jf.setRandomSeed(12);
        int features = 3;
        int units = 4;
        GRU layer = new GRU(units);
        layer.build(io.jitflow.ir.Shape.of(1, 2, features));
        layer.setWeights(List.of(Jf.randomUniform(new int[] {features, 3 * units}, -0.5, 0.5, 1, DType.FLOAT32),
                Jf.randomUniform(new int[] {units, 3 * units}, -0.5, 0.5, 2, DType.FLOAT32),
                Jf.randomUniform(new int[] {2, 3 * units}, -0.5, 0.5, 3, DType.FLOAT32)));
        double[] w = layer.getWeights().get(0).toDoubleArray();
        double[] u = layer.getWeights().get(1).toDoubleArray();
        double[] b = layer.getWeights().get(2).toDoubleArray();
        Tensor x = Jf.randomUniform(new int[] {1, 2, features}, -1, 1, 4, DType.FLOAT32);
        double[] xs = x.toDoubleArray();
        double[] h = new double[units];
        for (int t = 0; t < 2; t++) {
            double[] z = times(xs, t, features, w, 3 * units);
            double[] r = times(h, 0, units, u, 3 * units);
            double[] next = new double[units];
            for (int j = 0; j < units; j++) {
                double update = sigmoid(z[j] + b[j] + r[j] + b[3 * units + j]);
                double reset = sigmoid(z[units + j] + b[units + j] + r[units + j] + b[4 * units + j]);
                double candidate = Math.tanh(z[2 * units + j] + b[2 * units + j]
                        + reset * (r[2 * units + j] + b[5 * units + j]));
                next[j] = update * h[j] + (1 - update) * candidate;
            }
            h = next;
        }
        assertArrayEquals(h, layer.call(x, CallContext.INFERENCE).toDoubleArray(), 1e-5);
    }

    @Test
    void bidirectionalConcatenatesBothDirectionsInTimeOrder() {
        Jf.setRandomSeed(13);
        SimpleRNN forward = new SimpleRNN(3);
        forward.returnSequences(true);
        Bidirectional both = new Bidirectional(forward);
        both.build(io.jitflow.ir.Shape.of(1, 4, 2));
        Tensor x = Jf.randomUniform(new int[] {1, 4, 2}, -1, 1, 5, DType.FLOAT32);
        Tensor y = both.call(x, CallContext.INFERENCE);
        assertArrayEquals(new int[] {1, 4, 6}, y.shape());
        // The backward half at the last step has seen only the last row: one step of the recurrence from h = 0.
        double[] w = both.weights().get(3).asTensor().toDoubleArray();
        double[] bias = both.weights().get(5).asTensor().toDoubleArray();
        double[] last = Jf.slice(x, "0, 3").toDoubleArray();
        for (int j = 0; j < 3; j++) {
            double expected = Math.tanh(last[0] * w[j] + last[1] * w[3 + j] + bias[j]);
            assertEquals(expected, y.toDoubleArray()[3 * 6 + 3 + j], 1e-6);
        }
    }

    @Test
    void anLstmLearnsToCountOnes() {
        // The label is the number of ones (0 to 3) in a sequence of 6 bits: the state has to count.
        Jf.setRandomSeed(21);
        java.util.Random random = new java.util.Random(1);
        int n = 512;
        float[] bits = new float[n * 6];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int ones = random.nextInt(4);
            for (int k = 0; k < ones; k++) {
                int at;
                do {
                    at = random.nextInt(6);
                } while (bits[i * 6 + at] == 1);
                bits[i * 6 + at] = 1;
            }
            labels[i] = ones;
        }
        Sequential model = new Sequential(new Input(6, 1), new LSTM(16), new Dense(4, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.constant(bits).reshape(n, 6, 1);
        Tensor y = Jf.constant(labels);
        model.fit(x, y, FitOptions.epochs(40).batchSize(32).output(new PrintStream(java.io.OutputStream.nullOutputStream())));
        double accuracy = model.evaluate(x, y).get("accuracy");
        assertTrue(accuracy > 0.95, "accuracy " + accuracy);
    }

    @Test
    void badInputsAreRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> new LSTM(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LSTM(4).build(io.jitflow.ir.Shape.of(1, 28)));
        assertTrue(e.getMessage().contains("needs inputs (batch, time, features)"), e.getMessage());
    }
}
