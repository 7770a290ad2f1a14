package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Activation;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SequentialTest {
    private static ByteArrayOutputStream bytes;

    private static PrintStream capture() {
        bytes = new ByteArrayOutputStream();
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Test
    void summaryOfTheLecturesModel() {
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(30, "sigmoid"), new Dense(10, "sigmoid"));
        String text = model.summary(capture());
        assertTrue(text.matches("(?s)Model: \"sequential(_\\d+)?\".*"), text);
        assertTrue(text.contains("(None, 784)               0"), text);
        assertTrue(text.contains("(Dense)") && text.contains("(None, 30)                23550"), text);
        assertTrue(text.contains("(None, 10)                310"), text);
        assertTrue(text.contains("Total params: 23,860\nTrainable params: 23,860\nNon-trainable params: 0"), text);
        assertEquals(3, model.layers().size(), "the Input only declares the shape");
    }

    @Test
    void layersHaveKerasNamesAndCanBeLookedUp() {
        Dense a = new Dense(2);
        Dense b = new Dense(3);
        assertTrue(b.name().startsWith("dense_"), b.name());
        Dense named = (Dense) new Dense(4).named("output");
        Sequential model = new Sequential(new Input(5), a, named);
        assertEquals(named, model.layer("output"));
        assertEquals(a, model.layer(0));
        assertThrows(IllegalArgumentException.class, () -> model.layer("nope"));
    }

    @Test
    void weightsCanBeReadAndSet() {
        Sequential model = new Sequential(new Input(2), new Dense(1));
        model.summary(capture());
        List<Tensor> w = model.getWeights();
        assertEquals(2, w.size());
        assertArrayEquals(new int[] {2, 1}, w.get(0).shape());
        assertArrayEquals(new float[] {0}, w.get(1).toFloatArray(), "zero biases by default");
        model.setWeights(List.of(constant(new float[][] {{2}, {3}}), constant(new float[] {1})));
        assertArrayEquals(new float[] {6}, model.call(constant(new float[][] {{1, 1}})).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> model.setWeights(List.of(constant(new float[] {1}))));
    }

    @Test
    void fitLearnsALineAndRecordsItsHistory() {
        Jf.setRandomSeed(3);
        Sequential model = new Sequential(new Input(1), new Dense(1));
        model.compile("sgd", "mse");
        Tensor xs = constant(new float[][] {{-1}, {0}, {1}, {2}, {3}, {4}});
        Tensor ys = constant(new float[][] {{-3}, {-1}, {1}, {3}, {5}, {7}});
        History h = model.fit(xs, ys, FitOptions.epochs(300).batchSize(6).verbose(0).output(capture()));
        assertEquals(300, h.epoch().size());
        assertEquals(Map.of("verbose", 0, "epochs", 300, "steps", 1), h.params());
        assertTrue(h.get("loss").get(299) < h.get("loss").get(0));
        float prediction = model.predict(constant(new float[][] {{10}})).floatValue();
        assertEquals(19, prediction, 0.5, "y = 2x - 1 at x = 10");
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "verbose 0 is silent");
    }

    @Test
    void progressIsABarOnATerminalAndALineOtherwise() {
        Sequential model = new Sequential(new Input(2), new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.randomUniform(new int[] {64, 2}, 0, 1, 1, DType.FLOAT32);
        Tensor y = Jf.cast(Jf.greater(Jf.reduceSum(x, 1), constant(1f)), DType.INT32);
        model.fit(x, y, FitOptions.epochs(2).batchSize(16).terminal(false).output(capture()));
        String lines = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(lines.matches("(?s)Epoch 1/2\n4/4 - \\d+m?s \\d+ms/step - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4}\n"
                + "Epoch 2/2\n4/4 - .*"), lines);
        assertFalse(lines.contains("\r"));
        History h = model.fit(x, y, FitOptions.epochs(1).batchSize(16).terminal(true).validationSplit(0.25)
                .output(capture()));
        String bar = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(bar.contains("\r3/3 [==============================] - "), bar);
        assertTrue(bar.contains(" - val_loss: ") && bar.contains(" - val_accuracy: "), bar);
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy"), List.copyOf(h.history().keySet()));
    }

    @Test
    void evaluateAndPredictWorkInBatches() {
        Sequential model = new Sequential(new Input(3), new Dense(4, "relu"), new Dense(2, "softmax"));
        model.compile("adam", "categorical_crossentropy", "accuracy");
        Tensor x = Jf.randomUniform(new int[] {10, 3}, -1, 1, 2, DType.FLOAT32);
        Tensor p = model.predict(x, 3);
        assertArrayEquals(new int[] {10, 2}, p.shape());
        assertArrayEquals(model.call(x).toFloatArray(), p.toFloatArray(), 1e-6f);
        Map<String, Double> result = model.evaluate(x, p, 4);
        assertEquals(List.of("loss", "accuracy"), List.copyOf(result.keySet()));
        assertEquals(1.0, result.get("accuracy"), 1e-9, "a model agrees with its own predictions");
    }

    @Test
    void dropoutIsActiveInTrainingOnly() {
        Dropout dropout = new Dropout(0.5);
        Sequential model = new Sequential(new Input(1000), dropout);
        Tensor x = Jf.ones(1, 1000);
        assertArrayEquals(x.toFloatArray(), model.call(x).toFloatArray(), "inference passes inputs through");
        Tensor noise = Jf.randomUniform(new int[] {1, 1000}, 0, 1, 9, DType.FLOAT32);
        float[] trained = dropout.call(x, new CallContext(true, Map.of(dropout, noise))).toFloatArray();
        int kept = 0;
        for (float v : trained) {
            assertTrue(v == 0f || v == 2f, "kept inputs are scaled by 1 / (1 - rate)");
            kept += v == 2f ? 1 : 0;
        }
        assertEquals(500, kept, 60);
    }

    @Test
    void denseGradientsMatchFiniteDifferences() {
        Dense layer = new Dense(3, "tanh").kernelInitializer((shape, seed) -> Jf.randomNormal(shape, 0, 1, seed, DType.FLOAT64))
                .biasInitializer((shape, seed) -> Jf.randomNormal(shape, 0, 1, seed + 7, DType.FLOAT64));
        new Sequential(new Input(4), layer).summary(capture());
        Tensor x = Jf.randomNormal(new int[] {2, 4}, 0, 1, 4, DType.FLOAT64);
        List<io.jitflow.Variable> weights = layer.weights();
        List<Tensor> grads;
        try (GradientTape tape = new GradientTape()) {
            grads = tape.gradient(layer.call(x, CallContext.INFERENCE).square().sum(), weights);
        }
        double h = 1e-6;
        for (int w = 0; w < weights.size(); w++) {
            double[] base = weights.get(w).asTensor().toDoubleArray();
            double[] g = grads.get(w).toDoubleArray();
            for (int i = 0; i < base.length; i++) {
                double[] up = base.clone();
                double[] down = base.clone();
                up[i] += h;
                down[i] -= h;
                weights.get(w).assign(Tensor.of(io.jitflow.ir.HostTensor.of(up, weights.get(w).shape())));
                double fUp = layer.call(x, CallContext.INFERENCE).square().sum().doubleValue();
                weights.get(w).assign(Tensor.of(io.jitflow.ir.HostTensor.of(down, weights.get(w).shape())));
                double fDown = layer.call(x, CallContext.INFERENCE).square().sum().doubleValue();
                weights.get(w).assign(Tensor.of(io.jitflow.ir.HostTensor.of(base, weights.get(w).shape())));
                assertEquals((fUp - fDown) / (2 * h), g[i], 1e-6, "weight " + w + " element " + i);
            }
        }
    }

    /** Central differences of sum(layer(x)^2) with respect to the input, for the weightless layers. */
    @Test
    void activationFlattenAndDropoutGradientsMatchFiniteDifferences() {
        Dropout dropout = new Dropout(0.4);
        List<io.jitflow.keras.layers.Layer> layers = List.of(new Activation("tanh"), new Activation("softplus"),
                new Flatten(), dropout);
        Tensor x = Jf.randomNormal(new int[] {2, 3, 2}, 0, 1, 6, DType.FLOAT64);
        Tensor noise = Jf.randomUniform(new int[] {2, 3, 2}, 0, 1, 7, DType.FLOAT64).cast(DType.FLOAT32);
        for (io.jitflow.keras.layers.Layer layer : layers) {
            layer.build(io.jitflow.ir.Shape.of(io.jitflow.ir.Dim.named("batch"), io.jitflow.ir.Dim.of(3),
                    io.jitflow.ir.Dim.of(2)));
            CallContext context = new CallContext(true, Map.of(dropout, noise));
            Tensor g;
            try (GradientTape tape = new GradientTape()) {
                tape.watch(x);
                g = tape.gradient(layer.call(x, context).square().sum(), x);
            }
            double[] base = x.toDoubleArray();
            double[] analytic = g.toDoubleArray();
            for (int i = 0; i < base.length; i++) {
                double[] up = base.clone();
                double[] down = base.clone();
                up[i] += 1e-6;
                down[i] -= 1e-6;
                double fUp = layer.call(Tensor.of(io.jitflow.ir.HostTensor.of(up, x.shape())), context).square().sum()
                        .doubleValue();
                double fDown = layer.call(Tensor.of(io.jitflow.ir.HostTensor.of(down, x.shape())), context).square().sum()
                        .doubleValue();
                assertEquals((fUp - fDown) / 2e-6, analytic[i], 1e-6, layer.name() + " element " + i);
            }
        }
    }

    @Test
    void misuseIsReportedClearly() {
        Sequential model = new Sequential(new Input(2), new Dense(1));
        IllegalStateException notCompiled = assertThrows(IllegalStateException.class,
                () -> model.fit(Jf.ones(2, 2), Jf.ones(2, 1), FitOptions.defaults()));
        assertTrue(notCompiled.getMessage().contains("must be compiled"), notCompiled.getMessage());
        model.compile("sgd", "mse");
        IllegalArgumentException counts = assertThrows(IllegalArgumentException.class,
                () -> model.fit(Jf.ones(3, 2), Jf.ones(2, 1), FitOptions.defaults().verbose(0)));
        assertTrue(counts.getMessage().contains("same number of examples"), counts.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> model.predict(Jf.ones(2, 3)));
        assertTrue(shape.getMessage().contains("expects inputs of shape (None, 2), got (None, 3)"), shape.getMessage());
        assertThrows(IllegalStateException.class, () -> new Sequential(new Dense(1)).summary(capture()));
        assertEquals("relu", new Activation("relu").name().startsWith("activation") ? "relu" : "");
    }

    /** As in Keras: add after summary (or fit) builds the new layer on the last one, and training goes on with it. */
    @Test
    void addAfterUse() {
        Sequential model = new Sequential(new Input(3), new Dense(4, "relu"));
        model.summary(capture());
        Tensor x = constant(new float[][] {{1, 2, 3}, {0, -1, 1}});
        Tensor hidden = model.predict(x);
        model.add(new Dense(2));
        assertArrayEquals(new int[] {2, 2}, model.predict(x).shape());
        String summary = model.summary(capture());
        assertTrue(summary.contains("Total params: 26"), "3 x 4 + 4, then 4 x 2 + 2: " + summary);
        assertArrayEquals(hidden.toFloatArray(), model.layer(0).call(x, io.jitflow.keras.layers.CallContext.INFERENCE)
                .toFloatArray(), 0f, "the first layer keeps its weights");
        model.compile("sgd", "mse");
        model.fit(x, constant(new float[][] {{1, 0}, {0, 1}}), FitOptions.epochs(1).verbose(0));
        assertThrows(IllegalArgumentException.class, () -> model.add(new Input(3)));
    }

    /** A model first built inside a function traced for any batch size: its weights are made eagerly, once. */
    @Test
    void callUnderASignatureWithAnUnknownBatch() {
        Jf.setRandomSeed(3);
        Sequential model = new Sequential(new Input(8), new Dense(2));
        io.jitflow.JitFunction f = io.jitflow.Jit.function("f", args -> List.of(model.call(args.get(0))),
                io.jitflow.TensorSpec.of(io.jitflow.ir.DType.FLOAT32, "batch", 8));
        Tensor x = Jf.ones(io.jitflow.ir.DType.FLOAT32, 3, 8);
        assertArrayEquals(new int[] {3, 2}, f.call(x).shape());
        assertArrayEquals(model.predict(x).toFloatArray(), f.call(x).toFloatArray(), 1e-6f);
        assertArrayEquals(new int[] {5, 2}, f.call(Jf.ones(io.jitflow.ir.DType.FLOAT32, 5, 8)).shape());
        assertEquals(1, f.traceCount(), "one trace for every batch size");
    }

    @Test
    void classIndicesForACategoricalLossSayWhatToDo() {
        Sequential model = new Sequential(new Input(3), new Dense(2, "softmax"));
        model.compile("adam", "categorical_crossentropy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.fit(
                constant(new float[][] {{1, 2, 3}}), constant(new int[] {1}), FitOptions.epochs(1).verbose(0)));
        assertTrue(e.getMessage().endsWith("these look like class indices: use sparse_categorical_crossentropy, or"
                + " one-hot encode them (Jf.oneHot)"), e.getMessage());
    }
}
