package io.jitflow.keras.callbacks;

import io.jitflow.keras.Callback;
import java.util.Map;

/** Stops training as soon as a batch's loss is NaN or infinite, as keras.callbacks.TerminateOnNaN. */
public final class TerminateOnNaN extends Callback {
    private int stoppedBatch = -1;

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        Double loss = logs.get("loss");
        if (loss != null && (loss.isNaN() || loss.isInfinite())) {
            stoppedBatch = batch;
            model().stopTraining();
        }
    }

    /** The batch (0-based, within its epoch) whose loss was not finite, or -1. */
    public int stoppedBatch() {
        return stoppedBatch;
    }
}
