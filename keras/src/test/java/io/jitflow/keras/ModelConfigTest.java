package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.ir.Shape;
import io.jitflow.keras.layers.*;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * getConfig/fromConfig for every built-in layer and for models, and Model.load: a saved model's
 * layers come back, and fit goes on from the saved optimizer state exactly as the original does.
 */
class ModelConfigTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    /** Each built-in layer, configured away from its defaults where it can be, with an input shape it takes. */
    private static List<Object[]> layers() {
        return List.of(
                new Object[] {new Dense(5, "tanh").useBias(false).kernelInitializer(Initializer.randomNormal(0, 0.1)), 4},
                new Object[] {new Activation("relu"), 4},
                new Object[] {new Dropout(0.25), 4},
                new Object[] {new Flatten(), 2, 3},
                new Object[] {new Reshape(3, 2), 6},
                new Object[] {new Permute(2, 1), 2, 3},
                new Object[] {new Embedding(10, 3), 5},
                new Object[] {new LayerNormalization().epsilon(1e-5), 4},
                new Object[] {new BatchNormalization().momentum(0.9).epsilon(1e-4), 4},
                new Object[] {new Conv1D(3, new int[] {2}, new int[] {1}, "same", new int[] {2}, "relu"), 8, 2},
                new Object[] {new Conv2D(4, new int[] {3, 2}, new int[] {2, 1}, "valid", "linear"), 8, 8, 2},
                new Object[] {new Conv3D(2, 2), 4, 4, 4, 1},
                new Object[] {new Conv2DTranspose(3, new int[] {2, 2}, new int[] {2, 2}, "same", "sigmoid"), 4, 4, 2},
                new Object[] {new DepthwiseConv2D(new int[] {3, 3}, new int[] {1, 1}, "same", 2, "relu"), 6, 6, 3},
                new Object[] {new SeparableConv2D(4, new int[] {3, 3}, new int[] {2, 2}, "valid", 1, "linear"), 7, 7, 2},
                new Object[] {new MaxPooling1D(new int[] {2}, new int[] {1}, "same"), 6, 2},
                new Object[] {new MaxPooling2D(new int[] {2, 3}, new int[] {2, 3}, "valid"), 6, 6, 2},
                new Object[] {new MaxPooling3D(2), 4, 4, 4, 1},
                new Object[] {new AveragePooling1D(3), 6, 2},
                new Object[] {new AveragePooling2D(new int[] {2, 2}, new int[] {1, 1}, "same"), 5, 5, 2},
                new Object[] {new AveragePooling3D(2), 4, 4, 4, 1},
                new Object[] {new GlobalAveragePooling1D(), 5, 2},
                new Object[] {new GlobalAveragePooling2D(), 5, 5, 2},
                new Object[] {new GlobalMaxPooling1D(), 5, 2},
                new Object[] {new GlobalMaxPooling2D(), 5, 5, 2},
                new Object[] {new Cropping2D(new int[][] {{1, 0}, {0, 2}}), 6, 6, 1},
                new Object[] {new ZeroPadding2D(new int[][] {{1, 2}, {0, 1}}), 4, 4, 1},
                new Object[] {new UpSampling2D(2, 3).interpolation("bilinear"), 3, 3, 1},
                new Object[] {new SpatialDropout2D(0.3), 4, 4, 2},
                new Object[] {new SimpleRNN(4, "relu").returnSequences(true), 5, 3},
                new Object[] {new GRU(3).goBackwards(true), 5, 2},
                new Object[] {new LSTM(3), 5, 2},
                new Object[] {new Bidirectional((Recurrent) new LSTM(2).returnSequences(true)), 5, 2});
    }

    @Test
    void everyBuiltInLayerComesBackFromItsConfig() {
        for (Object[] row : layers()) {
            Layer layer = (Layer) row[0];
            int[] features = new int[row.length - 1];
            for (int i = 1; i < row.length; i++) {
                features[i - 1] = (Integer) row[i];
            }
            Shape input = KerasTensor.input(features).shape();
            String json = Json.write(Layers.serialize(layer));
            @SuppressWarnings("unchecked")
            Layer again = Layers.deserialize((Map<String, Object>) Json.read(json));
            assertEquals(layer.getClass(), again.getClass(), json);
            assertEquals(layer.getConfig(), again.getConfig(), json);
            assertEquals(layer.name(), again.name());
            assertEquals(layer.build(input), again.build(input), "output shape of " + json);
            assertEquals(layer.weights().stream().map(Variable::type).toList(),
                    again.weights().stream().map(Variable::type).toList(), "weights of " + json);
        }
    }

    @Test
    void layersWithoutAConfigSayWhy() {
        UnsupportedOperationException lambda = assertThrows(UnsupportedOperationException.class,
                () -> new Lambda(Jf::relu).getConfig());
        assertTrue(lambda.getMessage().contains("has no config"), lambda.getMessage());
        UnsupportedOperationException init = assertThrows(UnsupportedOperationException.class,
                () -> new Dense(2).kernelInitializer((shape, seed) -> Jf.ones(shape)).getConfig());
        assertTrue(init.getMessage().contains("its kernel initializer is Java code"), init.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Layers.fromConfig("Mystery", Map.of("name", "m")));
        assertTrue(unknown.getMessage().contains("Layers.register(\"Mystery\""), unknown.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Layers.fromConfig("Dense", Map.of("name", "d", "units", "many")));
        assertEquals("Dense config: 'units' must be an integer, got many", bad.getMessage());
    }

    private static final Tensor X = Jf.randomUniform(new int[] {60, 4}, -1, 1, 3, DType.FLOAT32);
    private static final Tensor Y = Jf.cast(Jf.greater(Jf.reduceSum(X, 1), Jf.constant(0f)), DType.INT32);

    /** Trains {@code a} and {@code b} alike from where they are; their weights must stay bit-identical. */
    private static void sameTraining(Model a, Model b, List<Tensor> xs, List<Tensor> ys) {
        FitOptions options = FitOptions.epochs(2).batchSize(16).seed(9).verbose(0);
        a.fit(xs, ys, options);
        b.fit(xs, ys, options);
        List<Tensor> wa = a.getWeights();
        List<Tensor> wb = b.getWeights();
        assertEquals(wa.size(), wb.size());
        for (int i = 0; i < wa.size(); i++) {
            assertArrayEquals(wa.get(i).toFloatArray(), wb.get(i).toFloatArray(), 0f, "weight " + i);
        }
    }

    @Test
    void aLoadedSequentialModelIsTheModelAndTrainsOnFromItsOptimizerState() throws Exception {
        Jf.setRandomSeed(21);
        Sequential model = new Sequential(new Input(4), new Dense(8, "relu"), new Dropout(0.2), new Dense(2, "softmax"));
        model.compile(new Optimizer.Adam(0.01), "sparse_categorical_crossentropy", "accuracy");
        model.fit(X, Y, FitOptions.epochs(3).batchSize(16).verbose(0));
        Path file = dir.resolve("mlp.jfg");
        model.save(file);

        Model loaded = Model.load(file);
        assertTrue(loaded instanceof Sequential);
        assertEquals(model.name(), loaded.name());
        assertEquals(model.summary(QUIET), loaded.summary(QUIET));
        assertArrayEquals(model.predict(X).toFloatArray(), loaded.predict(X).toFloatArray(), 0f);
        assertEquals(model.evaluate(X, Y), loaded.evaluate(X, Y));
        assertEquals(model.optimizer().iterations(), loaded.optimizer().iterations(), "the step count came back");
        assertEquals(model.optimizer().getConfig(), loaded.optimizer().getConfig());
        sameTraining(model, loaded, List.of(X), List.of(Y));

        Path again = dir.resolve("again.jfg");
        loaded.save(again);
        assertArrayEquals(loaded.predict(X).toFloatArray(), Model.load(again).predict(X).toFloatArray(), 0f,
                "a loaded model saves again");
    }

    @Test
    void aLoadedFunctionalModelOfTwoInputsAndOutputsComesBack() throws Exception {
        Jf.setRandomSeed(22);
        KerasTensor left = KerasTensor.input("left", 2);
        KerasTensor right = KerasTensor.input("right", 2);
        Dense shared = new Dense(6, "tanh");
        KerasTensor h = Merge.add().apply(shared.apply(left), shared.apply(right));
        Model model = Functional.model(List.of(left, right), List.of(new Dense(2, "softmax").named("sign").apply(h),
                new Dense(1).named("total").apply(h)));
        model.compile("rmsprop", List.of("sparse_categorical_crossentropy", "mse"), "accuracy");
        List<Tensor> xs = List.of(Jf.slice(X, ":, :2"), Jf.slice(X, ":, 2:"));
        List<Tensor> ys = List.of(Y, Jf.reduceSum(X, true, 1));
        model.fit(xs, ys, FitOptions.epochs(2).batchSize(16).verbose(0));
        Path file = dir.resolve("functional.jfg");
        model.save(file);

        Model loaded = Model.load(file);
        assertEquals(model.toJson(), loaded.toJson());
        assertEquals(model.summary(QUIET), loaded.summary(QUIET));
        assertEquals(List.of("left", "right"), loaded.inputNames());
        assertEquals(List.of("sign", "total"), loaded.outputNames());
        List<Tensor> expected = model.predict(xs);
        List<Tensor> actual = loaded.predict(xs);
        for (int o = 0; o < 2; o++) {
            assertArrayEquals(expected.get(o).toFloatArray(), actual.get(o).toFloatArray(), 0f);
        }
        sameTraining(model, loaded, xs, ys);
    }

    @Test
    void modelsWithoutAConfigSaveTheirFunctionsAndLoadSaysWhy() throws Exception {
        KerasTensor in = KerasTensor.input(4);
        Model model = Functional.model(in, new Dense(1).apply(new Lambda(Jf::tanh).apply(in)));
        Path file = dir.resolve("lambda.jfg");
        model.save(file);
        assertArrayEquals(model.predict(X).toFloatArray(), SavedModel.load(file).predict(X).toFloatArray(), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.load(file));
        assertTrue(e.getMessage().startsWith("lambda.jfg holds no Keras layer structure: Lambda "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; SavedModel.load runs its functions"), e.getMessage());
    }

    @Test
    void aModelFromItsJsonHasTheSameStructureAndFreshWeights() {
        Sequential model = new Sequential(new Input(3), new Dense(4, "relu"), new Dense(1));
        Model copy = Model.fromJson(model.toJson());
        assertEquals(model.toJson(), copy.toJson());
        assertEquals(model.summary(QUIET), copy.summary(QUIET));
        assertEquals("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"" + model.name() + "\", \"input_shape\": [3],"
                + " \"layers\": [{\"class_name\": \"Dense\", \"config\": {\"name\": \"" + model.layer(0).name()
                + "\", \"units\": 4, \"activation\": \"relu\", \"use_bias\": true, \"kernel_initializer\": \"glorot_uniform\","
                + " \"bias_initializer\": \"zeros\"}}", model.toJson().substring(0, model.toJson().indexOf("}}") + 2));
    }
}
