package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each optimizer's first three updates of w = 1 with gradient 2w, against values worked out by hand. */
class OptimizerTest {
    private static double[] threeSteps(Optimizer optimizer) {
        Variable w = new Variable(constant(1.0), "w", true);
        double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            Tensor g = w.asTensor().mul(2.0);
            optimizer.apply(List.of(w), List.of(g));
            values[i] = w.asTensor().doubleValue();
        }
        return values;
    }

    private static void assertSteps(double[] expected, double[] actual) {
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], actual[i], 1e-12, "step " + (i + 1));
        }
    }

    @Test
    void sgd() {
        // w -= 0.1 * 2w: 0.8, 0.64, 0.512
        assertSteps(new double[] {0.8, 0.64, 0.512}, threeSteps(new Optimizer.Sgd(0.1)));
    }

    @Test
    void sgdWithMomentum() {
        double w = 1;
        double v = 0;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            v = 0.9 * v - 0.1 * 2 * w;
            w = w + v;
            expected[i] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Sgd(0.1, 0.9, false)));
        assertEquals(0.8, expected[0], 1e-15);
        assertEquals(0.46, expected[1], 1e-15);
    }

    @Test
    void sgdWithNesterovMomentum() {
        double w = 1;
        double v = 0;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = 2 * w;
            v = 0.9 * v - 0.1 * g;
            w = w + 0.9 * v - 0.1 * g;
            expected[i] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Sgd(0.1, 0.9, true)));
        assertEquals(0.62, expected[0], 1e-15);
    }

    @Test
    void rmsprop() {
        double w = 1;
        double ms = 0;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = 2 * w;
            ms = 0.9 * ms + 0.1 * g * g;
            w -= 0.01 * g / (Math.sqrt(ms) + 1e-7);
            expected[i] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.RmsProp(0.01)));
    }

    @Test
    void adam() {
        double w = 1;
        double m = 0;
        double v = 0;
        double[] expected = new double[3];
        for (int t = 1; t <= 3; t++) {
            double g = 2 * w;
            double lr = 0.1 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w -= lr * m / (Math.sqrt(v) + 1e-7);
            expected[t - 1] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Adam(0.1)));
        assertEquals(0.9, expected[0], 1e-6, "Adam's first step moves by about the learning rate");
    }

    @Test
    void adadelta() {
        double w = 1;
        double a = 0;
        double d = 0;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = 2 * w;
            a = 0.95 * a + 0.05 * g * g;
            double u = Math.sqrt(d + 1e-7) / Math.sqrt(a + 1e-7) * g;
            d = 0.95 * d + 0.05 * u * u;
            w -= 1.0 * u;
            expected[i] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Adadelta(1.0)));
    }

    @Test
    void optimizersByNameHaveKerasDefaults() {
        assertEquals(0.01, Optimizer.of("sgd").learningRate());
        assertEquals(0.001, Optimizer.of("adam").learningRate());
        assertEquals(0.001, Optimizer.of("rmsprop").learningRate());
        assertEquals(0.001, Optimizer.of("adadelta").learningRate());
        Optimizer sgd = Optimizer.of("sgd");
        threeSteps(sgd);
        assertEquals(3, sgd.iterations());
    }

    @Test
    void adagrad() {
        double w = 1;
        double a = 0.1;
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = 2 * w;
            a += g * g;
            w -= 0.1 * g / (Math.sqrt(a) + 1e-7);
            expected[i] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Adagrad(0.1)));
    }

    @Test
    void adamax() {
        double w = 1;
        double m = 0;
        double u = 0;
        double[] expected = new double[3];
        for (int t = 1; t <= 3; t++) {
            double g = 2 * w;
            m = 0.9 * m + 0.1 * g;
            u = Math.max(0.999 * u, Math.abs(g));
            w -= 0.1 / (1 - Math.pow(0.9, t)) * m / (u + 1e-7);
            expected[t - 1] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Adamax(0.1)));
    }

    @Test
    void nadam() {
        double w = 1;
        double m = 0;
        double v = 0;
        double product = 1;
        double[] expected = new double[3];
        for (int t = 1; t <= 3; t++) {
            double g = 2 * w;
            double ut = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004 * t));
            double utNext = 0.9 * (1 - 0.5 * Math.pow(0.96, 0.004 * (t + 1)));
            product *= ut;
            double productNext = product * utNext;
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            double mHat = utNext * m / (1 - productNext) + (1 - ut) * g / (1 - product);
            double vHat = v / (1 - Math.pow(0.999, t));
            w -= 0.1 * mHat / (Math.sqrt(vHat) + 1e-7);
            expected[t - 1] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.Nadam(0.1)));
    }

    @Test
    void adamWDecaysTheWeightThenTakesAdamsStep() {
        double w = 1;
        double m = 0;
        double v = 0;
        double[] expected = new double[3];
        for (int t = 1; t <= 3; t++) {
            double g = 2 * w;
            double lr = 0.1 * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            m = 0.9 * m + 0.1 * g;
            v = 0.999 * v + 0.001 * g * g;
            w = w - w * 0.1 * 0.5 - lr * m / (Math.sqrt(v) + 1e-7);
            expected[t - 1] = w;
        }
        assertSteps(expected, threeSteps(new Optimizer.AdamW(0.1, 0.5)));
        // Traced, the decay and Adam's step are one assignment, so neither is lost.
        Variable traced = new Variable(constant(1.0), "w", true);
        Optimizer adamW = new Optimizer.AdamW(0.1, 0.5);
        io.jitflow.JitFunction step = io.jitflow.Jit.function("step", args -> {
            adamW.apply(List.of(traced), List.of(traced.asTensor().mul(2.0)));
            return List.of(traced.asTensor());
        });
        for (int i = 0; i < 3; i++) {
            step.call();
        }
        assertEquals(expected[2], traced.asTensor().doubleValue(), 1e-12);
    }

    @Test
    void gradientsAreClippedByValueAndByNorm() {
        Variable w = new Variable(constant(new double[] {3, -4}), "w", true);
        new Optimizer.Sgd(1.0).clipValue(0.5).apply(List.of(w), List.of(w.asTensor()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {2.5, -3.5}, w.asTensor().toDoubleArray(), 1e-12);
        Variable u = new Variable(constant(new double[] {3, -4}), "u", true);
        new Optimizer.Sgd(1.0).clipNorm(1.0).apply(List.of(u), List.of(u.asTensor()));
        // The gradient (3, -4) has norm 5: rescaled to (0.6, -0.8).
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {2.4, -3.2}, u.asTensor().toDoubleArray(), 1e-12);
        Variable small = new Variable(constant(new double[] {0.3, -0.4}), "s", true);
        new Optimizer.Sgd(1.0).clipNorm(1.0).apply(List.of(small), List.of(small.asTensor()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0}, small.asTensor().toDoubleArray(), 1e-12,
                "a gradient within the norm is unchanged");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Optimizer.Adam(0.1)
                .clipNorm(0));
    }

    @Test
    void configsUseKerasNames() {
        assertEquals("{name=Adam, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1.0E-7, clipnorm=1.0}",
                Optimizer.of("adam").clipNorm(1).getConfig().toString());
        assertEquals("{name=AdamW, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1.0E-7, weight_decay=0.004}",
                Optimizer.of("adamw").getConfig().toString());
        assertEquals("{name=SGD, learning_rate=0.1, momentum=0.9, nesterov=true}",
                new Optimizer.Sgd(0.1, 0.9, true).getConfig().toString());
        assertEquals("Adagrad", Optimizer.of("adagrad").name());
        assertEquals("Adamax", Optimizer.of("adamax").name());
        assertEquals("Nadam", Optimizer.of("nadam").name());
    }
}
