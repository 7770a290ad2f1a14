package io.jitflow.keras.callbacks;

import io.jitflow.keras.Callback;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Sets the optimizer's learning rate at the start of each epoch to {@code schedule(epoch, rate)}
 * (epoch 0-based, the current rate), as keras.callbacks.LearningRateScheduler; the rate is logged
 * as "learning_rate". The compiled step reads the rate from a variable, so it is not retraced.
 */
public final class LearningRateScheduler extends Callback {
    private final BiFunction<Integer, Double, Double> schedule;

    public LearningRateScheduler(BiFunction<Integer, Double, Double> schedule) {
        this.schedule = schedule;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        model().optimizer().setLearningRate(schedule.apply(epoch, model().optimizer().learningRate()));
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        logs.put("learning_rate", model().optimizer().learningRate());
    }
}
