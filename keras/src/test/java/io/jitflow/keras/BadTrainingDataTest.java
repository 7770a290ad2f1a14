package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training data that cannot be right is refused with a clear error; what Keras accepts is accepted. */
class BadTrainingDataTest {
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    private static FitOptions quiet(int epochs) {
        return FitOptions.epochs(epochs).verbose(0).output(SILENT);
    }

    private static Sequential classifier() {
        Jf.setRandomSeed(1);
        Sequential model = new Sequential(new Input(2), new Dense(2));
        model.compile("sgd", Loss.sparseCategoricalCrossentropy(true), "accuracy");
        return model;
    }

    private static final Tensor X4 = constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {0, 0}});

    @Test
    void labelsOutOfRangeAreRefusedByTheCompiledStep() {
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> classifier().fit(X4, constant(new int[] {0, 1, -1, 0}), quiet(1)));
        assertEquals("sparse_categorical_crossentropy: label -1 in row 2 is out of range for 2 classes "
                + "(expected 0 <= label < 2)", negative.getMessage());
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> classifier().fit(X4, constant(new long[][] {{0}, {1}, {1}, {7}}), quiet(1)));
        assertTrue(tooLarge.getMessage().startsWith("sparse_categorical_crossentropy: label 7 in row 3 "), tooLarge.getMessage());
        Sequential model = classifier();
        model.fit(X4, constant(new int[] {0, 1, 1, 0}), quiet(1));
        IllegalArgumentException evaluated = assertThrows(IllegalArgumentException.class,
                () -> model.evaluate(X4, constant(new int[] {0, 2, 1, 0})));
        assertTrue(evaluated.getMessage().contains("label 2 in row 1"), evaluated.getMessage());
    }

    @Test
    void theLabelCheckIsPartOfTheLossItself() {
        Tensor logits = constant(new float[][] {{1, 2}, {3, 4}});
        Loss loss = Loss.sparseCategoricalCrossentropy(true);
        assertThrows(io.jitflow.ir.EvaluationException.class, () -> loss.compute(constant(new int[] {0, 2}), logits));
        assertEquals(1.3132616, loss.compute(constant(new int[] {0, 0}), logits).doubleValue(), 1e-6);
    }

    @Test
    void batchSizesMustBePositive() {
        Sequential model = classifier();
        for (int bad : new int[] {0, -2}) {
            assertThrows(IllegalArgumentException.class, () -> model.predict(X4, bad));
            assertThrows(IllegalArgumentException.class, () -> model.evaluate(X4, constant(new int[] {0, 1, 1, 0}), bad));
        }
    }

    @Test
    void emptySetsAreRefusedAndEmptyPredictionsHaveTheirShape() {
        Sequential model = classifier();
        Tensor none = Jf.zeros(0, 2);
        Tensor noLabels = Jf.zeros(DType.INT32, 0);
        IllegalArgumentException fit = assertThrows(IllegalArgumentException.class, () -> model.fit(none, noLabels, quiet(1)));
        assertTrue(fit.getMessage().contains("no examples"), fit.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.evaluate(none, noLabels));
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> model.fit(X4, constant(new int[] {0, 1, 1, 0}), quiet(1).validationSplit(0.9)));
        assertTrue(split.getMessage().contains("leaves 0 for training"), split.getMessage());
        Tensor empty = model.predict(none);
        assertArrayEquals(new int[] {0, 2}, empty.shape());
        assertEquals(DType.FLOAT32, empty.dtype());
    }

    @Test
    void inputDimsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Input(-3));
        assertThrows(IllegalArgumentException.class, () -> new Input(4, 0));
    }

    @Test
    void labelsOfShapeNAreMatchedToPredictionsOfShapeNBy1() {
        // y = 2x: with (N,) labels broadcast against (N, 1) predictions the model would learn the mean.
        Jf.setRandomSeed(2);
        Sequential model = new Sequential(new Input(1), new Dense(1));
        model.compile(new Optimizer.Sgd(0.05), "mse");
        Tensor x = constant(new float[] {-1, 0, 1, 2});
        Tensor y = constant(new float[] {-2, 0, 2, 4});
        model.fit(x, y, quiet(300).batchSize(4));
        assertEquals(6, model.predict(constant(new float[] {3})).floatValue(), 1e-2);
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> Loss.meanSquaredError().compute(Jf.zeros(4, 3), Jf.zeros(4, 1)));
        assertEquals("mean_squared_error: labels of type float32[4, 3] do not match predictions float32[4, 1]",
                mismatch.getMessage());
        assertEquals(0.25, Loss.meanSquaredError().compute(Jf.zeros(4), Jf.fill(DType.FLOAT32, 0.5, 4, 1)).doubleValue());
    }

    @Test
    void aFailedBuildLeavesTheLayersUnbuilt() {
        Dense first = new Dense(3);
        Layer failing = new Layer("needs_rank_3") {
            @Override
            protected io.jitflow.ir.Shape create(io.jitflow.ir.Shape input) {
                addWeight("w", new int[] {1}, Initializer.ZEROS, 0);
                if (input.rank() != 3) {
                    throw new IllegalArgumentException("needs_rank_3: got " + describe(input));
                }
                return input;
            }

            @Override
            public Tensor call(Tensor x, io.jitflow.keras.layers.CallContext context) {
                return x;
            }
        };
        Sequential model = new Sequential(first, failing);
        assertThrows(IllegalArgumentException.class, () -> model.predict(Jf.zeros(2, 4)));
        assertFalse(first.isBuilt());
        assertFalse(failing.isBuilt());
        assertEquals(0, failing.weights().size());
        assertEquals(0, first.weights().size());
        Tensor y = model.predict(Jf.zeros(2, 5, 4));
        assertArrayEquals(new int[] {2, 5, 3}, y.shape());
        assertEquals(1, failing.weights().size());
    }

    @Test
    void fitCastsFeaturesAndWholeFloatLabelsAsKerasDoes() {
        Sequential model = classifier();
        Tensor x8 = Jf.cast(X4, DType.UINT8);
        Tensor x64 = Jf.cast(X4, DType.FLOAT64);
        Tensor xInt = Jf.cast(X4, DType.INT32);
        Tensor floatLabels = constant(new double[] {0, 1, 1, 0});
        for (Tensor x : new Tensor[] {x8, x64, xInt}) {
            Map<String, Double> logs = model.fit(x, floatLabels, quiet(1).shuffle(false)).history().entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get(0)));
            assertTrue(Double.isFinite(logs.get("loss")), logs.toString());
        }
        Sequential reference = classifier();
        Sequential cast = classifier();
        reference.fit(X4, constant(new int[] {0, 1, 1, 0}), quiet(3).shuffle(false));
        cast.fit(x8, floatLabels, quiet(3).shuffle(false));
        assertArrayEquals(reference.predict(X4).toFloatArray(), cast.predict(x8).toFloatArray(), "the same training");
        IllegalArgumentException fractional = assertThrows(IllegalArgumentException.class,
                () -> classifier().fit(X4, constant(new double[] {0, 1, 0.5, 0}), quiet(1)));
        assertEquals("sparse_categorical_crossentropy: labels must be whole class indices, got 0.5 in row 2",
                fractional.getMessage());
    }

    /** The lectures' 1-D data (xs = [1, 2, 3, 4]) is one feature per example, as Keras reads it. */
    @Test
    void oneDimensionalFeaturesAreOneColumn() {
        Sequential model = new Sequential(new Dense(1));
        model.compile("sgd", "mse");
        Tensor xs = constant(new float[] {1, 2, 3, 4});
        model.fit(xs, constant(new float[] {2, 4, 6, 8}), quiet(2));
        assertArrayEquals(new int[] {4, 1}, model.predict(xs).shape());
        assertEquals("(None, 1)", Layer.describe(model.layer(0).inputShape()));
    }

    /** Called directly, a sparse loss given float labels names itself and the cast (not one_hot inside the library). */
    @Test
    void floatLabelsGivenToASparseLossSayToCast() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.of(
                "sparse_categorical_crossentropy").compute(constant(new float[] {0, 1}), constant(new float[][] {{1, 0},
                {0, 1}})));
        assertEquals("sparse_categorical_crossentropy: labels must be integer class indices, got float32[2]; cast them"
                + " (labels.cast(DType.INT32)), as fit does with whole-number floats", e.getMessage());
    }

    @Test
    void uint8ImagesDividedBy255AreFloats() {
        Tensor pixels = constant(new byte[] {0, (byte) 128, (byte) 255});
        Tensor scaled = pixels.div(255.0);
        assertEquals(DType.FLOAT32, scaled.dtype());
        assertArrayEquals(new float[] {0, 128f / 255f, 1}, scaled.toFloatArray());
        assertEquals(DType.FLOAT64, constant(new int[] {1}).div(constant(new int[] {4})).dtype());
        assertEquals(0.25, constant(new int[] {1}).div(constant(new int[] {4})).toDoubleArray()[0]);
    }
}
