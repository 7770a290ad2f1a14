package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * fit's sample and class weights: a batch's loss is the mean of each example's loss times its
 * weight. With one batch of all N examples and plain gradient descent, giving the N1 examples of
 * class 1 weight 0 takes the same steps as training on the N0 others alone at a rate scaled by N0 / N.
 */
class WeightedFitTest {
    private static final Tensor X = Jf.constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f}});
    private static final Tensor LABELS = Jf.constant(new int[] {0, 1, 0, 1, 0, 0});
    private static final Tensor CLASS0_X = Jf.constant(new float[][] {{0, 1}, {1, 1}, {-1, 2}, {0.5f, 0.5f}});

    private static Sequential model(double rate) {
        Jf.setRandomSeed(6);
        Sequential m = new Sequential(new Input(2), new Dense(2, "softmax"));
        m.compile(new Optimizer.Sgd(rate), "sparse_categorical_crossentropy", "accuracy");
        return m;
    }

    private static void assertSameWeights(Sequential a, Sequential b) {
        for (int i = 0; i < a.getWeights().size(); i++) {
            assertArrayEquals(a.getWeights().get(i).toFloatArray(), b.getWeights().get(i).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void zeroWeightsLeaveExamplesOut() {
        FitOptions oneBatch = FitOptions.epochs(5).batchSize(6).shuffle(false).verbose(0);
        Sequential weighted = model(0.3);
        weighted.fit(X, LABELS, oneBatch.classWeight(Map.of(0, 1.0, 1, 0.0)));
        Sequential alone = model(0.3 * 4 / 6);
        alone.fit(CLASS0_X, Jf.zeros(io.jitflow.ir.DType.INT32, 4), FitOptions.epochs(5).batchSize(4).shuffle(false)
                .verbose(0));
        assertSameWeights(weighted, alone);

        Sequential bySample = model(0.3);
        bySample.fit(X, LABELS, FitOptions.epochs(5).batchSize(6).shuffle(false).verbose(0)
                .sampleWeight(Jf.constant(new float[] {1, 0, 1, 0, 1, 1})));
        assertSameWeights(bySample, alone);
    }

    @Test
    void theLoggedLossIsTheWeightedMean() {
        Sequential m = model(0.0);
        Tensor w = Jf.constant(new float[] {2, 0, 1, 0.5f, 0, 3});
        Tensor perExample = Loss.of("sparse_categorical_crossentropy").perExample(LABELS, m.predict(X));
        double expected = Jf.reduceMean(perExample.mul(w)).doubleValue();
        History h = m.fit(X, LABELS, FitOptions.epochs(1).batchSize(6).verbose(0).sampleWeight(w));
        assertEquals(expected, h.get("loss").get(0), 1e-6);
    }

    @Test
    void badWeightsAreRefused() {
        Sequential m = model(0.1);
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> m.fit(X, LABELS,
                FitOptions.epochs(1).verbose(0).sampleWeight(Jf.constant(new float[] {1, 2}))));
        assertEquals("fit: sample weights must be one per example, shape (6), got float32[2]", count.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> m.fit(X, LABELS,
                FitOptions.epochs(1).verbose(0).classWeight(Map.of(0, 1.0))));
        assertTrue(missing.getMessage().startsWith("fit: class weights give no weight for class 1 (of example 1)"),
                missing.getMessage());
    }
}
