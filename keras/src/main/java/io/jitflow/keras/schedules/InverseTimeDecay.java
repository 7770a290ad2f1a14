package io.jitflow.keras.schedules;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.LearningRateSchedule;

/** {@code initial / (1 + decayRate * step / decaySteps)}, the quotient floored when {@code staircase}. */
public record InverseTimeDecay(double initial, long decaySteps, double decayRate, boolean staircase)
        implements LearningRateSchedule {
    public InverseTimeDecay {
        Checks.positive("InverseTimeDecay", "decaySteps", decaySteps);
    }

    public InverseTimeDecay(double initial, long decaySteps, double decayRate) {
        this(initial, decaySteps, decayRate, false);
    }

    @Override
    public Tensor rate(Tensor step) {
        Tensor p = step.div(decaySteps);
        Tensor denominator = (staircase ? Jf.floor(p) : p).mul(decayRate).add(1.0);
        return Jf.constant(initial).div(denominator);
    }
}
