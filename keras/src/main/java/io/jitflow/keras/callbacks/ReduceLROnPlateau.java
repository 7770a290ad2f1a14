package io.jitflow.keras.callbacks;

import io.jitflow.keras.Callback;
import java.util.Map;

/**
 * Multiplies the learning rate by {@code factor} when the monitored value has not improved for
 * {@code patience} epochs, then waits {@code cooldown} epochs before watching again, never going
 * below {@code minLr}, as keras.callbacks.ReduceLROnPlateau; the rate is logged as "learning_rate".
 */
public final class ReduceLROnPlateau extends Callback {
    private final Monitor monitor;
    private final double factor;
    private final int patience;
    private final int cooldown;
    private final double minLr;
    private double best;
    private int wait;
    private int cooling;

    /** Watches "val_loss": factor 0.1, patience 10, minimum change 1e-4, no cooldown, no floor. */
    public ReduceLROnPlateau() {
        this("val_loss", 0.1, 10, 1e-4, 0, 0, "auto");
    }

    public ReduceLROnPlateau(String monitor, double factor, int patience, double minDelta, int cooldown, double minLr,
                             String mode) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor must be in (0, 1), got " + factor);
        }
        this.monitor = new Monitor("ReduceLROnPlateau", monitor, mode, minDelta);
        this.factor = factor;
        this.patience = patience;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        best = monitor.worst();
        wait = 0;
        cooling = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        double current = monitor.value("ReduceLROnPlateau", logs);
        if (cooling > 0) {
            cooling--;
            wait = 0;
        }
        if (monitor.improves(current, best)) {
            best = current;
            wait = 0;
        } else if (cooling == 0 && ++wait >= patience) {
            double rate = model().optimizer().learningRate();
            if (rate > minLr) {
                model().optimizer().setLearningRate(Math.max(rate * factor, minLr));
                cooling = cooldown;
                wait = 0;
            }
        }
        logs.put("learning_rate", model().optimizer().learningRate());
    }
}
