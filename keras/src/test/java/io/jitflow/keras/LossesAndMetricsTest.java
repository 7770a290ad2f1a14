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
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.of("hinge_loss"));
        assertEquals("unknown loss 'hinge_loss' (known: mse, mae, binary_crossentropy, categorical_crossentropy, "
                + "sparse_categorical_crossentropy, huber, log_cosh, kl_divergence, poisson, hinge, squared_hinge, "
                + "categorical_hinge, cosine_similarity, mape, msle)", e.getMessage());
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

    /** Keras's formulas per example (rows of Y and P), then the mean over the batch. */
    @Test
    void theOtherKerasLosses() {
        double[][] y = {{0, 1}, {1, 0}};
        double[][] p = {{0.2, 0.8}, {0.6, 0.4}};
        java.util.function.ToDoubleBiFunction<double[], double[]> huber = (t, q) -> {
            double sum = 0;
            for (int i = 0; i < t.length; i++) {
                double e = Math.abs(q[i] - t[i]);
                sum += e <= 1 ? 0.5 * e * e : e - 0.5;
            }
            return sum / t.length;
        };
        assertPerExample(Loss.of("huber"), y, p, huber);
        assertPerExample(Loss.huber(0.3), y, p, (t, q) -> {
            double sum = 0;
            for (int i = 0; i < t.length; i++) {
                double e = Math.abs(q[i] - t[i]);
                sum += e <= 0.3 ? 0.5 * e * e : 0.3 * (e - 0.15);
            }
            return sum / t.length;
        });
        assertPerExample(Loss.of("log_cosh"), y, p, (t, q) -> mean(t, q, (a, b) -> Math.log(Math.cosh(b - a))));
        assertPerExample(Loss.of("kl_divergence"), y, p, (t, q) -> mean(t, q, (a, b) -> {
            double yc = Math.max(a, 1e-7);
            return yc * Math.log(yc / Math.max(b, 1e-7));
        }) * t.length);
        assertPerExample(Loss.of("poisson"), y, p, (t, q) -> mean(t, q, (a, b) -> b - a * Math.log(b + 1e-7)));
        // 0/1 labels count as -1/1.
        assertPerExample(Loss.of("hinge"), y, p, (t, q) -> mean(t, q, (a, b) -> Math.max(1 - (2 * a - 1) * b, 0)));
        assertPerExample(Loss.of("squared_hinge"), y, p, (t, q) -> mean(t, q,
                (a, b) -> Math.pow(Math.max(1 - (2 * a - 1) * b, 0), 2)));
        assertPerExample(Loss.of("categorical_hinge"), y, p, (t, q) -> {
            double pos = 0;
            double neg = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < t.length; i++) {
                pos += t[i] * q[i];
                neg = Math.max(neg, (1 - t[i]) * q[i]);
            }
            return Math.max(neg - pos + 1, 0);
        });
        assertPerExample(Loss.of("cosine_similarity"), y, p, (t, q) -> {
            double dot = 0;
            double nt = 0;
            double nq = 0;
            for (int i = 0; i < t.length; i++) {
                dot += t[i] * q[i];
                nt += t[i] * t[i];
                nq += q[i] * q[i];
            }
            return -dot / Math.sqrt(nt) / Math.sqrt(nq);
        });
        assertPerExample(Loss.of("mape"), y, p, (t, q) -> mean(t, q, (a, b) -> 100 * Math.abs(a - b)
                / Math.max(Math.abs(a), 1e-7)));
        assertPerExample(Loss.of("msle"), y, p, (t, q) -> mean(t, q, (a, b) -> Math.pow(Math.log(Math.max(b, 1e-7) + 1)
                - Math.log(Math.max(a, 1e-7) + 1), 2)));
        UnsupportedOperationException custom = assertThrows(UnsupportedOperationException.class,
                () -> Loss.named("mine", (a, b) -> a).perExample(Y, P));
        assertEquals(true, custom.getMessage().contains("implement Loss.perExample"), custom.getMessage());
    }

    private static double mean(double[] t, double[] q, java.util.function.DoubleBinaryOperator f) {
        double sum = 0;
        for (int i = 0; i < t.length; i++) {
            sum += f.applyAsDouble(t[i], q[i]);
        }
        return sum / t.length;
    }

    private static void assertPerExample(Loss loss, double[][] y, double[][] p,
                                         java.util.function.ToDoubleBiFunction<double[], double[]> expected) {
        double[] perExample = loss.perExample(constant(y), constant(p)).toDoubleArray();
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            double want = expected.applyAsDouble(y[i], p[i]);
            assertEquals(want, perExample[i], 1e-12 * Math.max(1, Math.abs(want)), loss.name() + " of example " + i);
            total += perExample[i];
        }
        assertEquals(total / y.length, loss.compute(constant(y), constant(p)).doubleValue(),
                1e-12 * Math.max(1, Math.abs(total)), loss.name());
    }
}
