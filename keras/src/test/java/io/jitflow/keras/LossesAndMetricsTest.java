package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.Tensor;
import org.junit.jupiter.api.Test;

/** Each loss and metric against values computed by hand. */
class LossesAndMetricsTest {
    private static final Tensor Y = constant(new double[][] {{0, 1}, {1, 0}});
    private static final Tensor P = constant(new double[][] {{0.2, 0.8}, {0.6, 0.4}});

    private static double value(Loss loss, Tensor y, Tensor p) {
        return loss.compute(y, p).doubleValue();
    }

    @Test
    void regressionLosses() {
        // squared errors 0.04, 0.04, 0.16, 0.16 -> mean 0.1; absolute 0.2, 0.2, 0.4, 0.4 -> 0.3
        assertEquals(0.1, value(Loss.of("mse"), Y, P), 1e-12);
        assertEquals(0.3, value(Loss.of("mae"), Y, P), 1e-12);
        assertEquals("mean_squared_error", Loss.of("mean_squared_error").name());
    }

    @Test
    void crossEntropiesOnProbabilities() {
        double expected = -(Math.log(0.8) + Math.log(0.6)) / 2;
        assertEquals(expected, value(Loss.of("categorical_crossentropy"), Y, P), 1e-9);
        assertEquals(expected, value(Loss.of("sparse_categorical_crossentropy"), constant(new int[] {1, 0}), P), 1e-9);
        Tensor y = constant(new double[] {1, 0, 1});
        Tensor p = constant(new double[] {0.9, 0.2, 0.5});
        double bce = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3;
        assertEquals(bce, value(Loss.of("binary_crossentropy"), y, p), 1e-9);
        double clipped = -Math.log(1e-7);
        assertEquals(clipped, value(Loss.of("binary_crossentropy"), constant(new double[] {1}), constant(new double[] {0})),
                1e-6, "probabilities are clipped before the log");
    }

    @Test
    void crossEntropiesOnLogits() {
        Tensor logits = constant(new double[][] {{1, 3}, {2, -1}});
        double row0 = 3 - Math.log(Math.exp(1) + Math.exp(3));
        double row1 = 2 - Math.log(Math.exp(2) + Math.exp(-1));
        assertEquals(-(row0 + row1) / 2, value(Loss.categoricalCrossentropy(true), Y, logits), 1e-9);
        assertEquals(-(row0 + row1) / 2, value(Loss.sparseCategoricalCrossentropy(true), constant(new long[] {1, 0}),
                logits), 1e-9);
        Tensor z = constant(new double[] {2, -3, 1000});
        Tensor y = constant(new double[] {1, 0, 1});
        double expected = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-3)) + 0) / 3;
        assertEquals(expected, value(Loss.binaryCrossentropy(true), y, z), 1e-9, "stable for large logits");
    }

    @Test
    void unknownNamesAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.of("hinge"));
        assertEquals("unknown loss 'hinge' (known: mse, mae, binary_crossentropy, categorical_crossentropy, "
                + "sparse_categorical_crossentropy)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizer.of("lbfgs"));
        assertThrows(IllegalArgumentException.class, () -> ActivationFunction.of("swish2"));
    }

    @Test
    void accuracyIsChosenTheWayKerasChooses() {
        Metric sparse = Metric.of("accuracy", Loss.of("sparse_categorical_crossentropy"), 2);
        assertEquals(0.5, sparse.compute(constant(new int[] {1, 1}), P).doubleValue(), 1e-12);
        Metric categorical = Metric.of("accuracy", Loss.of("categorical_crossentropy"), 2);
        assertEquals(1.0, categorical.compute(Y, P).doubleValue(), 1e-12);
        Metric binary = Metric.of("accuracy", Loss.of("binary_crossentropy"), 1);
        assertEquals(2 / 3.0, binary.compute(constant(new float[][] {{1}, {0}, {1}}),
                constant(new float[][] {{0.7f}, {0.6f}, {0.9f}})).doubleValue(), 1e-6);
        assertEquals(0.1, Metric.of("mse", Loss.of("mse"), 2).compute(Y, P).doubleValue(), 1e-12);
        assertEquals(0.3, Metric.of("mae", Loss.of("mse"), 2).compute(Y, P).doubleValue(), 1e-12);
    }
}
