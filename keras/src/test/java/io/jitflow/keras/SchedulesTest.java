package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.GradientTape;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.keras.schedules.CosineDecay;
import io.jitflow.keras.schedules.ExponentialDecay;
import io.jitflow.keras.schedules.InverseTimeDecay;
import io.jitflow.keras.schedules.PiecewiseConstantDecay;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each schedule against its formula, and a schedule followed step by step by a step traced once. */
class SchedulesTest {
    @Test
    void schedulesFollowTheirFormulas() {
        ExponentialDecay exp = new ExponentialDecay(0.1, 10, 0.5);
        ExponentialDecay stairs = new ExponentialDecay(0.1, 10, 0.5, true);
        InverseTimeDecay inverse = new InverseTimeDecay(0.1, 10, 0.5);
        for (long step : new long[] {0, 1, 9, 10, 25}) {
            assertEquals(0.1 * Math.pow(0.5, step / 10.0), exp.rate(step), 1e-12, "exponential at " + step);
            assertEquals(0.1 * Math.pow(0.5, step / 10), stairs.rate(step), 1e-12, "staircase at " + step);
            assertEquals(0.1 / (1 + 0.5 * step / 10.0), inverse.rate(step), 1e-12, "inverse time at " + step);
        }
        PiecewiseConstantDecay piecewise = new PiecewiseConstantDecay(new long[] {5, 10}, new double[] {1, 0.5, 0.1});
        assertEquals(List.of(1.0, 1.0, 0.5, 0.5, 0.1), List.of(piecewise.rate(0), piecewise.rate(5), piecewise.rate(6),
                piecewise.rate(10), piecewise.rate(11)));
        CosineDecay cosine = new CosineDecay(0.0, 100, 0.1, 1.0, 10);
        assertEquals(0.0, cosine.rate(0), 1e-12, "warmup starts at the initial rate");
        assertEquals(0.5, cosine.rate(5), 1e-12, "warmup is linear");
        assertEquals(1.0, cosine.rate(10), 1e-12, "warmup ends at its target");
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), cosine.rate(60), 1e-12, "halfway down");
        assertEquals(0.1, cosine.rate(110), 1e-12, "decayed to alpha times the target");
        assertEquals(0.1, cosine.rate(500), 1e-12, "and stays there");
        assertThrows(IllegalArgumentException.class, () -> new PiecewiseConstantDecay(new long[] {5}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new ExponentialDecay(0.1, 0, 0.5));
    }

    /** w -= lr_t * 2w for 100 steps: the rate changes every step, and the step is traced once. */
    @Test
    void aScheduleChangesTheRateEveryStepWithoutRetracing() {
        Variable w = new Variable(constant(1.0), "w", true);
        ExponentialDecay schedule = new ExponentialDecay(0.1, 20, 0.5);
        Optimizer sgd = new Optimizer.Sgd(schedule);
        JitFunction step = Jit.function("step", args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor loss = w.asTensor().square();
                sgd.apply(List.of(w), tape.gradient(loss, List.of(w)));
                return List.of(loss);
            }
        });
        double expected = 1;
        for (int t = 0; t < 100; t++) {
            step.call();
            expected -= schedule.rate(t) * 2 * expected;
        }
        assertEquals(1, step.traceCount());
        assertEquals(expected, w.asTensor().doubleValue(), 1e-12);
        assertEquals(100, sgd.iterations());
        assertEquals(schedule.rate(100), sgd.learningRate(), 1e-15);
        IllegalStateException fixed = assertThrows(IllegalStateException.class, () -> sgd.setLearningRate(0.5));
        assertEquals(true, fixed.getMessage().contains("follows a schedule"), fixed.getMessage());
    }

    @Test
    void settingTheRateChangesTheUpdatesWithoutRetracing() {
        Variable w = new Variable(constant(1.0), "w", true);
        Optimizer sgd = new Optimizer.Sgd(0.1);
        JitFunction step = Jit.function("step", args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor loss = w.asTensor().square();
                sgd.apply(List.of(w), tape.gradient(loss, List.of(w)));
                return List.of(loss);
            }
        });
        step.call();
        assertEquals(0.8, w.asTensor().doubleValue(), 1e-15);
        sgd.setLearningRate(0.25);
        step.call();
        assertEquals(0.4, w.asTensor().doubleValue(), 1e-15, "0.8 - 0.25 * 1.6");
        assertEquals(0.25, sgd.learningRate());
        assertEquals(1, step.traceCount());
        assertThrows(IllegalArgumentException.class, () -> sgd.setLearningRate(Double.NaN));
    }
}
