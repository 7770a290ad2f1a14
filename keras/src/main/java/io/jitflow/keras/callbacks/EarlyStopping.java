package io.jitflow.keras.callbacks;

import io.jitflow.Tensor;
import io.jitflow.keras.Callback;
import java.util.List;
import java.util.Map;

/**
 * Stops training when the monitored value has not improved for {@code patience} epochs, as
 * keras.callbacks.EarlyStopping; with {@code restoreBestWeights} the model gets back the weights
 * of its best epoch when it stops.
 */
public final class EarlyStopping extends Callback {
    private final Monitor monitor;
    private final int patience;
    private final boolean restoreBestWeights;
    private double best;
    private int wait;
    private int bestEpoch;
    private int stoppedEpoch;
    private List<Tensor> bestWeights;

    /** Watches "val_loss", patience 0, no minimum change, weights not restored. */
    public EarlyStopping() {
        this("val_loss", 0, 0, "auto", false);
    }

    public EarlyStopping(String monitor, int patience, boolean restoreBestWeights) {
        this(monitor, patience, 0, "auto", restoreBestWeights);
    }

    public EarlyStopping(String monitor, int patience, double minDelta, String mode, boolean restoreBestWeights) {
        if (patience < 0) {
            throw new IllegalArgumentException("EarlyStopping: patience must be >= 0, got " + patience);
        }
        this.monitor = new Monitor("EarlyStopping", monitor, mode, minDelta);
        this.patience = patience;
        this.restoreBestWeights = restoreBestWeights;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        best = monitor.worst();
        wait = 0;
        bestEpoch = -1;
        stoppedEpoch = -1;
        bestWeights = null;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        double current = monitor.value("EarlyStopping", logs);
        if (monitor.improves(current, best)) {
            best = current;
            bestEpoch = epoch;
            wait = 0;
            if (restoreBestWeights) {
                bestWeights = model().getWeights();
            }
            return;
        }
        wait++;
        if (wait > patience) {
            stoppedEpoch = epoch;
            model().stopTraining();
            if (restoreBestWeights && bestWeights != null) {
                model().setWeights(bestWeights);
            }
        }
    }

    /** The epoch (0-based) after which training stopped, or -1 when it ran every epoch. */
    public int stoppedEpoch() {
        return stoppedEpoch;
    }

    /** The epoch (0-based) with the best monitored value. */
    public int bestEpoch() {
        return bestEpoch;
    }
}
