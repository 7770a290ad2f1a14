package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.BatchNormalization;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Cropping2D;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Embedding;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.GlobalAveragePooling1D;
import io.jitflow.keras.layers.GlobalAveragePooling2D;
import io.jitflow.keras.layers.GlobalMaxPooling1D;
import io.jitflow.keras.layers.GlobalMaxPooling2D;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import io.jitflow.keras.layers.LayerNormalization;
import io.jitflow.keras.layers.Permute;
import io.jitflow.keras.layers.Reshape;
import io.jitflow.keras.layers.SpatialDropout2D;
import io.jitflow.keras.layers.UpSampling2D;
import io.jitflow.keras.layers.ZeroPadding2D;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layers built from existing ops (reshaping, padding, cropping, up-sampling, global pooling,
 * embedding, layer normalization): output shapes and parameter counts as Keras's documentation
 * gives them, values against hand-computed ones, and training through them.
 */
class ShapeLayersTest {
    /** The summary's shape and parameter count of the one layer in {@code Input(input), layer}. */
    private static String summaryLine(Layer layer, int... input) {
        Sequential model = new Sequential(new Input(input), layer);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String text = model.summary(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return text.lines().map(String::strip).filter(l -> l.startsWith(layer.name() + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(text)).substring(layer.name().length())
                .replaceAll("\\(\\w+\\)", "").strip().replaceAll(" +", " ");
    }

    @Test
    void shapesAndParameterCountsAsKerasDocumentsThem() {
        // The examples of Keras's layer documentation.
        assertEquals("(None, 10, 64) 64000", summaryLine(new Embedding(1000, 64), 10));
        assertEquals("(None, 3, 4) 0", summaryLine(new Reshape(3, 4), 12));
        assertEquals("(None, 3, 2, 2) 0", summaryLine(new Reshape(-1, 2, 2), 12));
        assertEquals("(None, 64, 10) 0", summaryLine(new Permute(2, 1), 10, 64));
        assertEquals("(None, 24, 20, 3) 0", summaryLine(new Cropping2D(new int[][] {{2, 2}, {4, 4}}), 28, 28, 3));
        assertEquals("(None, 30, 30, 1) 0", summaryLine(new ZeroPadding2D(1), 28, 28, 1));
        assertEquals("(None, 6, 8, 2) 0", summaryLine(new UpSampling2D(2), 3, 4, 2));
        assertEquals("(None, 3) 0", summaryLine(new GlobalAveragePooling2D(), 4, 5, 3));
        assertEquals("(None, 3) 0", summaryLine(new GlobalMaxPooling1D(), 7, 3));
        assertEquals("(None, 5, 8) 16", summaryLine(new LayerNormalization(), 5, 8));
    }

    @Test
    void badArgumentsAndInputsAreRefusedByName() {
        assertEquals("Reshape needs positive dims and at most one -1, got [-1, -1]",
                assertThrows(IllegalArgumentException.class, () -> new Reshape(-1, -1)).getMessage());
        assertEquals("Permute needs a permutation of 1..2, got [1, 3]",
                assertThrows(IllegalArgumentException.class, () -> new Permute(1, 3)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ZeroPadding2D(new int[][] {{1, -1}, {0, 0}}));
        assertThrows(IllegalArgumentException.class, () -> new Embedding(0, 4));
        Reshape reshape = new Reshape(5, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Sequential(new Input(12), reshape)
                .predict(Jf.ones(1, 12)));
        assertEquals("Reshape " + reshape.name() + " cannot reshape (None, 12) (12 values per sample) to [5, 5]", e.getMessage());
        Cropping2D crop = new Cropping2D(3);
        e = assertThrows(IllegalArgumentException.class, () -> new Sequential(new Input(6, 6, 1), crop).predict(Jf.ones(1, 6, 6, 1)));
        assertEquals("Cropping2D " + crop.name() + " crops 3 + 3 off dim 1 of (None, 6, 6, 1), which leaves nothing",
                e.getMessage());
        GlobalAveragePooling2D pool = new GlobalAveragePooling2D();
        e = assertThrows(IllegalArgumentException.class, () -> new Sequential(new Input(6, 6), pool).predict(Jf.ones(1, 6, 6)));
        assertEquals("GlobalAveragePooling2D " + pool.name() + " needs (batch, height, width, channels), got (None, 6, 6)",
                e.getMessage());
    }

    private static float[] run(Layer layer, Tensor x, int... input) {
        return new Sequential(new Input(input), layer).predict(x).toFloatArray();
    }

    @Test
    void valuesAgreeWithHandComputedOnes() {
        // One image, 2 x 3 pixels, 2 channels: pixel (r, c) holds (10r + c, -(10r + c)).
        float[] pixels = new float[12];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                pixels[(r * 3 + c) * 2] = 10 * r + c;
                pixels[(r * 3 + c) * 2 + 1] = -(10 * r + c);
            }
        }
        Tensor image = Jf.reshape(constant(pixels), 1, 2, 3, 2);
        assertArrayEquals(new float[] {0, 1, 2, 10, 11, 12, 0, -1, -2, -10, -11, -12},
                run(new Permute(3, 1, 2), image, 2, 3, 2));
        assertArrayEquals(new float[] {1, -1, 11, -11}, run(new Cropping2D(new int[][] {{0, 0}, {1, 1}}), image, 2, 3, 2));
        float[] padded = run(new ZeroPadding2D(new int[][] {{1, 0}, {0, 1}}), image, 2, 3, 2);
        assertEquals(3 * 4 * 2, padded.length);
        assertArrayEquals(new float[8], java.util.Arrays.copyOf(padded, 8), "the top row is zeros");
        assertArrayEquals(new float[] {0, 0, 1, -1, 2, -2, 0, 0}, java.util.Arrays.copyOfRange(padded, 8, 16));
        float[] up = run(new UpSampling2D(2, 1), image, 2, 3, 2);
        assertArrayEquals(java.util.Arrays.copyOfRange(up, 0, 6), java.util.Arrays.copyOfRange(up, 6, 12), "row 0 twice");
        assertArrayEquals(new float[] {10, -10, 11, -11, 12, -12}, java.util.Arrays.copyOfRange(up, 12, 18));
        // Bilinear, half-pixel centers as tf.image.resize: [0, 10] across becomes [0, 2.5, 7.5, 10].
        float[] smooth = run(new UpSampling2D(2).interpolation("bilinear"),
                Jf.reshape(constant(new float[] {0, 10, 20, 30}), 1, 2, 2, 1), 2, 2, 1);
        assertArrayEquals(new float[] {0, 2.5f, 7.5f, 10, 5, 7.5f, 12.5f, 15, 15, 17.5f, 22.5f, 25, 20, 22.5f, 27.5f, 30},
                smooth, 1e-5f);
        assertArrayEquals(new float[] {(0 + 1 + 2 + 10 + 11 + 12) / 6f, -(0 + 1 + 2 + 10 + 11 + 12) / 6f},
                run(new GlobalAveragePooling2D(), image, 2, 3, 2), 1e-6f);
        assertArrayEquals(new float[] {12, 0}, run(new GlobalMaxPooling2D(), image, 2, 3, 2));
        Tensor steps = constant(new float[][][] {{{1, 5}, {3, -5}}});
        assertArrayEquals(new float[] {2, 0}, run(new GlobalAveragePooling1D(), steps, 2, 2));
        // Layer normalization of (1, 2, 3, 4): mean 2.5, variance 1.25, with gamma 1 and beta 0.
        double sd = Math.sqrt(1.25 + 1e-3);
        assertArrayEquals(new float[] {(float) (-1.5 / sd), (float) (-0.5 / sd), (float) (0.5 / sd), (float) (1.5 / sd)},
                run(new LayerNormalization(), constant(new float[][] {{1, 2, 3, 4}}), 4), 1e-6f);
    }

    @Test
    void embeddingLooksUpRowsAndRefusesIndicesOutOfRange() {
        Embedding embedding = new Embedding(3, 2).embeddingsInitializer((shape, seed) -> Jf.reshape(
                constant(new float[] {0, 1, 10, 11, 20, 21}), shape));
        Sequential model = new Sequential(new Input(4), embedding);
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21, 10, 11}, model.predict(constant(new float[][] {{2, 0, 2, 1}}))
                .toFloatArray());
        RuntimeException e = assertThrows(RuntimeException.class, () -> model.predict(constant(new float[][] {{0, 3, 1, 1}})));
        assertTrue(e.getMessage().contains("gather: index out of range [0, 3)"), e.getMessage());
    }

    /**
     * A bag-of-words classifier trains through Embedding, global pooling and layer normalization:
     * a sequence is positive when it holds more tokens of the upper half of the vocabulary.
     */
    @Test
    void trainsThroughEmbeddingPoolingAndNormalization(@TempDir Path dir) throws Exception {
        Jf.setRandomSeed(3);
        int n = 512;
        int length = 8;
        java.util.Random random = new java.util.Random(5);
        float[][] tokens = new float[n][length];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int upper = 0;
            for (int t = 0; t < length; t++) {
                tokens[i][t] = random.nextInt(20);
                upper += tokens[i][t] >= 10 ? 1 : 0;
            }
            labels[i] = upper > length / 2 ? 1 : 0;
        }
        Sequential model = new Sequential(new Input(length), new Embedding(20, 8), new LayerNormalization(),
                new GlobalAveragePooling1D(), new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = constant(tokens);
        Tensor y = constant(labels);
        History h = model.fit(x, y, FitOptions.epochs(40).batchSize(32).verbose(0));
        double accuracy = h.get("accuracy").get(h.get("accuracy").size() - 1);
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        Path file = dir.resolve("bag.jfg");
        model.save(file);
        assertTrue(Files.size(file) > 0);
        assertArrayEquals(model.predict(x).toFloatArray(), SavedModel.load(file).predict(x).toFloatArray(), 0f,
                "the saved model predicts the same bits");
    }

    @Test
    void reshapeAndUpSamplingFeedAConvNetShapedModel() {
        Sequential model = new Sequential(new Input(16), new Reshape(4, 4, 1), new UpSampling2D(2), new ZeroPadding2D(1),
                new Cropping2D(1), new Flatten(), new Dense(3));
        Tensor out = model.predict(Jf.ones(5, 16));
        assertArrayEquals(new int[] {5, 3}, out.shape());
        assertEquals(8 * 8 * 3 + 3, model.layers().stream().mapToLong(Layer::countParams).sum());
        assertEquals(DType.FLOAT32, out.dtype());
    }

    @Test
    void spatialDropoutDropsWholeChannels(@TempDir Path dir) throws Exception {
        SpatialDropout2D dropout = new SpatialDropout2D(0.5);
        dropout.build(io.jitflow.ir.Shape.of(io.jitflow.ir.Dim.named("batch"), io.jitflow.ir.Dim.of(2),
                io.jitflow.ir.Dim.of(2), io.jitflow.ir.Dim.of(3)));
        Tensor x = Jf.reshape(Jf.add(Jf.range(0f, 12f, 1f), 1.0), 1, 2, 2, 3);
        Tensor noise = Jf.reshape(constant(new float[] {0.1f, 0.9f, 0.6f}), 1, 1, 1, 3);
        float[] y = dropout.call(x, new CallContext(true, java.util.Map.of(dropout, noise))).toFloatArray();
        // channel 0 is dropped in every pixel, channels 1 and 2 doubled
        assertArrayEquals(new float[] {0, 4, 6, 0, 10, 12, 0, 16, 18, 0, 22, 24}, y);
        assertArrayEquals(x.toFloatArray(), dropout.call(x, CallContext.INFERENCE).toFloatArray());
        assertEquals("(None, 1, 1, 3)", Layer.describe(dropout.noiseShape(dropout.outputShape())));
        Sequential model = new Sequential(new Input(4, 4, 3), new SpatialDropout2D(0.25), new GlobalAveragePooling2D(),
                new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy");
        model.fit(Jf.randomUniform(new int[] {16, 4, 4, 3}, 0, 1, 2, DType.FLOAT32), constant(new int[16]),
                FitOptions.epochs(1).batchSize(8).verbose(0));
        Path file = dir.resolve("spatial.jfg");
        model.save(file);
        assertTrue(SavedModel.load(file).canTrain());
    }

    @Test
    void batchNormalizationUsesBatchStatisticsWhileTrainingAndMovingOnesAfter(@TempDir Path dir) throws Exception {
        assertEquals("(None, 28, 28, 32) 128", summaryLine(new BatchNormalization(), 28, 28, 32));
        Sequential counted = new Sequential(new Input(4), new BatchNormalization());
        String text = counted.summary(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertTrue(text.contains("Trainable params: 8\nNon-trainable params: 8"), text);

        // Inference: (x - moving_mean) / sqrt(moving_variance + 1e-3) * gamma + beta.
        BatchNormalization bn = new BatchNormalization();
        Sequential model = new Sequential(new Input(2), bn);
        model.predict(Jf.ones(1, 2));
        bn.setWeights(java.util.List.of(constant(new float[] {2, 3}), constant(new float[] {1, -1}),
                constant(new float[] {10, 20}), constant(new float[] {4, 9})));
        float[] y = model.predict(constant(new float[][] {{12, 20}})).toFloatArray();
        assertArrayEquals(new float[] {(float) (2 * 2 / Math.sqrt(4.001) + 1), -1}, y, 1e-5f);

        // Training: the step normalizes with the batch's statistics and moves the moving ones toward them.
        BatchNormalization trained = new BatchNormalization().momentum(0.9);
        Sequential net = new Sequential(new Input(2), trained, new Dense(1));
        net.compile("sgd", "mse");
        Tensor x = constant(new float[][] {{1, 10}, {3, 30}, {5, 50}, {7, 70}});
        net.fit(x, constant(new float[][] {{1}, {2}, {3}, {4}}), FitOptions.epochs(1).batchSize(4).shuffle(false)
                .verbose(0));
        float[] movingMean = trained.getWeights().get(2).toFloatArray();
        float[] movingVariance = trained.getWeights().get(3).toFloatArray();
        // batch mean (4, 40), biased variance (5, 500)
        assertArrayEquals(new float[] {0.1f * 4, 0.1f * 40}, movingMean, 1e-5f);
        assertArrayEquals(new float[] {0.9f + 0.1f * 5, 0.9f + 0.1f * 500}, movingVariance, 1e-4f);
        Path file = dir.resolve("bn.jfg");
        net.save(file);
        SavedModel loaded = SavedModel.load(file);
        assertArrayEquals(net.predict(x).toFloatArray(), loaded.predict(x).toFloatArray(), 0f);
        loaded.trainOnBatch(x, constant(new float[][] {{1}, {2}, {3}, {4}}));
        assertEquals(0.9f * 0.4f + 0.1f * 4, loaded.variable(trained.name() + "/moving_mean").toFloatArray()[0], 1e-5f,
                "a loaded model's training step moves the statistics too");
    }
}
