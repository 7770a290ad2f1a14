package io.jitflow.keras.schedules;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.LearningRateSchedule;
import java.util.Arrays;

/**
 * {@code values[0]} up to step {@code boundaries[0]}, {@code values[1]} after it up to
 * {@code boundaries[1]}, ..., the last value after the last boundary (as Keras's, which compares
 * {@code step <= boundary}).
 */
public record PiecewiseConstantDecay(long[] boundaries, double[] values) implements LearningRateSchedule {
    public PiecewiseConstantDecay {
        if (values.length != boundaries.length + 1) {
            throw new IllegalArgumentException("PiecewiseConstantDecay needs one value more than boundaries, got "
                    + boundaries.length + " boundaries and " + values.length + " values");
        }
        for (int i = 1; i < boundaries.length; i++) {
            if (boundaries[i] <= boundaries[i - 1]) {
                throw new IllegalArgumentException("PiecewiseConstantDecay: boundaries must increase, got "
                        + Arrays.toString(boundaries));
            }
        }
        boundaries = boundaries.clone();
        values = values.clone();
    }

    @Override
    public Tensor rate(Tensor step) {
        Tensor rate = Jf.constant(values[values.length - 1]);
        for (int i = boundaries.length - 1; i >= 0; i--) {
            rate = Jf.where(Jf.lessEqual(step, Jf.constant((double) boundaries[i])), Jf.constant(values[i]), rate);
        }
        return rate;
    }
}
