package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.metrics.Auc;
import io.jitflow.keras.metrics.BinaryAccuracy;
import io.jitflow.keras.metrics.CategoricalAccuracy;
import io.jitflow.keras.metrics.MeanIoU;
import io.jitflow.keras.metrics.Precision;
import io.jitflow.keras.metrics.Recall;
import io.jitflow.keras.metrics.RootMeanSquaredError;
import io.jitflow.keras.metrics.SparseTopKCategoricalAccuracy;
import io.jitflow.keras.metrics.StatefulMetric;
import io.jitflow.keras.metrics.TopKCategoricalAccuracy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Metric objects accumulate over batches (values worked out by hand), reset, and run inside fit and evaluate. */
class MetricObjectsTest {
    private static final Tensor Y1 = constant(new float[] {1, 0, 1, 1});
    private static final Tensor P1 = constant(new float[] {0.9f, 0.6f, 0.4f, 0.7f});
    private static final Tensor Y2 = constant(new float[] {0, 1});
    private static final Tensor P2 = constant(new float[] {0.2f, 0.8f});

    private static double twoBatches(StatefulMetric m) {
        m.updateState(Y1, P1);
        m.updateState(Y2, P2);
        return m.result();
    }

    @Test
    void binaryMetricsAccumulateOverBatches() {
        // Batch 1: predicted positive 0, 1, 3; actually positive 0, 2, 3. Batch 2: one true positive, one true negative.
        assertEquals(3.0 / 4, twoBatches(new Precision()), 1e-12, "tp 3, fp 1");
        assertEquals(3.0 / 4, twoBatches(new Recall()), 1e-12, "tp 3, fn 1");
        assertEquals(4.0 / 6, twoBatches(new BinaryAccuracy()), 1e-12);
        Precision strict = new Precision(0.75);
        assertEquals(2.0 / 2, twoBatches(strict), 1e-12, "above 0.75: 0.9 and 0.8, both positive");
        strict.resetState();
        assertEquals(0, strict.result(), "nothing counted after a reset (0/0 is 0, as Keras's divide_no_nan)");
        assertEquals("precision", strict.name());
    }

    @Test
    void aucOfRankings() {
        Auc perfect = new Auc();
        perfect.updateState(constant(new float[] {0, 0, 1, 1}), constant(new float[] {0.1f, 0.3f, 0.6f, 0.9f}));
        assertEquals(1.0, perfect.result(), 1e-9);
        Auc mixed = new Auc(1000);
        Tensor y = constant(new float[] {0, 1, 0, 1, 1, 0});
        Tensor p = constant(new float[] {0.2f, 0.35f, 0.5f, 0.65f, 0.9f, 0.1f});
        mixed.updateState(y, p);
        // Of the 9 (positive, negative) pairs, the positive scores higher in 8.
        assertEquals(8.0 / 9, mixed.result(), 1e-9);
    }

    @Test
    void categoricalAndTopK() {
        Tensor oneHot = constant(new float[][] {{0, 0, 1}, {0, 1, 0}, {1, 0, 0}});
        Tensor scores = constant(new float[][] {{0.1f, 0.2f, 0.7f}, {0.5f, 0.3f, 0.2f}, {0.2f, 0.3f, 0.5f}});
        CategoricalAccuracy accuracy = new CategoricalAccuracy();
        accuracy.updateState(oneHot, scores);
        assertEquals(1.0 / 3, accuracy.result(), 1e-12);
        TopKCategoricalAccuracy top2 = new TopKCategoricalAccuracy(2);
        top2.updateState(oneHot, scores);
        assertEquals(2.0 / 3, top2.result(), 1e-12, "class 1 of row 2 is second; class 0 of row 3 is last");
        SparseTopKCategoricalAccuracy sparseTop2 = new SparseTopKCategoricalAccuracy(2);
        sparseTop2.updateState(constant(new int[] {2, 1, 0}), scores);
        assertEquals(2.0 / 3, sparseTop2.result(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new TopKCategoricalAccuracy(0));
    }

    @Test
    void rootMeanSquaredErrorAndMeanIoU() {
        RootMeanSquaredError rmse = new RootMeanSquaredError();
        rmse.updateState(constant(new float[] {1, 2}), constant(new float[] {1, 4}));
        rmse.updateState(constant(new float[] {0}), constant(new float[] {1}));
        assertEquals(Math.sqrt(5.0 / 3), rmse.result(), 1e-6);
        MeanIoU iou = new MeanIoU(2);
        iou.updateState(constant(new int[] {0, 0, 1, 1}), constant(new int[] {0, 1, 1, 1}));
        // Class 0: 1 / (2 + 1 - 1); class 1: 2 / (2 + 3 - 2).
        assertEquals((0.5 + 2.0 / 3) / 2, iou.result(), 1e-12);
        MeanIoU fromScores = new MeanIoU(2);
        fromScores.updateState(constant(new int[] {0, 1}), constant(new float[][] {{0.9f, 0.1f}, {0.3f, 0.7f}}));
        assertEquals(1.0, fromScores.result(), 1e-12);
    }

    @Test
    void fitAndEvaluateRunMetricObjects() {
        Jf.setRandomSeed(8);
        Tensor x = constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f}, {3, -1}, {-2, -2}});
        Tensor y = constant(new float[] {1, 0, 1, 0, 1, 1, 0, 0});
        Sequential model = new Sequential(new Input(2), new Dense(1, "sigmoid"));
        model.compile(new Optimizer.Sgd(0.0), "binary_crossentropy", "accuracy", new Precision(), new Recall(),
                new Auc());
        History h = model.fit(x, y, FitOptions.epochs(2).batchSize(3).verbose(0));
        assertEquals(List.of("loss", "accuracy", "precision", "recall", "auc"), List.copyOf(h.history().keySet()));
        Tensor p = model.predict(x);
        for (StatefulMetric m : List.<StatefulMetric>of(new Precision(), new Recall(), new Auc())) {
            m.updateState(y, p);
            double expected = m.result();
            // A rate of 0 keeps the model fixed: each epoch's value is over its own batches only.
            assertEquals(List.of(expected, expected), h.get(m.name()), m.name());
            assertEquals(expected, model.evaluate(x, y, 3).get(m.name()), 1e-12, m.name());
        }
        Map<String, Double> again = model.evaluate(x, y, 8);
        assertEquals(h.get("precision").get(0), again.get("precision"), 1e-12, "evaluate resets before it counts");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> model.compile("sgd", "mse", 42));
        assertEquals("compile: a metric is a name, a Metric or a StatefulMetric, got java.lang.Integer", bad.getMessage());
    }

    /** With the model changing, each epoch's value is over that epoch alone: the state is reset at each epoch. */
    @Test
    void fitResetsTheStateEachEpoch() {
        Jf.setRandomSeed(9);
        Tensor x = constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f}, {3, -1}, {-2, -2}});
        Tensor y = constant(new float[] {1, 0, 1, 0, 1, 1, 0, 0});
        Sequential model = new Sequential(new Input(2), new Dense(1));
        model.compile(new Optimizer.Sgd(0.3), "mse", new RootMeanSquaredError());
        List<Tensor> predictionsAtEpochBegin = new java.util.ArrayList<>();
        Callback record = new Callback() {
            @Override
            public void onEpochBegin(int epoch, Map<String, Double> logs) {
                predictionsAtEpochBegin.add(model().predict(x));
            }
        };
        History h = model.fit(x, y, FitOptions.epochs(3).batchSize(8).verbose(0).callbacks(record));
        for (int epoch = 0; epoch < 3; epoch++) {
            RootMeanSquaredError expected = new RootMeanSquaredError();
            expected.updateState(y, predictionsAtEpochBegin.get(epoch));
            assertEquals(expected.result(), h.get("root_mean_squared_error").get(epoch), 1e-5, "epoch " + epoch);
        }
        assertEquals(true, h.get("root_mean_squared_error").get(2) < h.get("root_mean_squared_error").get(0),
                "the model learns: " + h.get("root_mean_squared_error"));
    }
}
