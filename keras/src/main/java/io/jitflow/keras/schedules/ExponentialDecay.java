package io.jitflow.keras.schedules;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.LearningRateSchedule;

/** {@code initial * decayRate ^ (step / decaySteps)}, the exponent floored when {@code staircase}. */
public record ExponentialDecay(double initial, long decaySteps, double decayRate, boolean staircase)
        implements LearningRateSchedule {
    public ExponentialDecay {
        Checks.positive("ExponentialDecay", "decaySteps", decaySteps);
    }

    public ExponentialDecay(double initial, long decaySteps, double decayRate) {
        this(initial, decaySteps, decayRate, false);
    }

    @Override
    public Tensor rate(Tensor step) {
        Tensor p = step.div(decaySteps);
        return Jf.pow(Jf.constant(decayRate), staircase ? Jf.floor(p) : p).mul(initial);
    }
}
