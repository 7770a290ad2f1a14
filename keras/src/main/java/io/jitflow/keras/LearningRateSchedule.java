package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/**
 * A learning rate that follows the optimizer's step count, as keras.optimizers.schedules: the
 * rate is computed from the step inside the training step, so it changes every step without a
 * retrace. Built-ins are in {@link io.jitflow.keras.schedules}.
 */
public interface LearningRateSchedule {
    /** The rate at step {@code step} (0 for the first update), both float64 scalars; traced into the step. */
    Tensor rate(Tensor step);

    /** The rate at step {@code step}, computed now. */
    default double rate(long step) {
        return rate(Jf.constant((double) step)).doubleValue();
    }
}
