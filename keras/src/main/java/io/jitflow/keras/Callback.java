package io.jitflow.keras;

import java.util.Map;

/**
 * Code that {@code fit} calls as training goes, as keras.callbacks.Callback: override the hooks you
 * need. {@code logs} hold the loss and metrics (the averages so far in the epoch after a batch, the
 * epoch's and its validation values after an epoch); an epoch-end callback may add entries, which
 * the history then records. {@link #model()} is the model being trained, {@link #params()} fit's
 * epochs, steps and verbose. Built-ins are in {@link io.jitflow.keras.callbacks}.
 */
public abstract class Callback {
    private Model model;
    private Map<String, Object> params = Map.of();

    /** Called by fit before training starts. */
    void attach(Model trained, Map<String, Object> fitParams) {
        this.model = trained;
        this.params = fitParams;
    }

    /** The model being trained (null outside fit). */
    protected Model model() {
        return model;
    }

    /** fit's parameters: epochs, steps (per epoch), verbose. */
    protected Map<String, Object> params() {
        return params;
    }

    public void onTrainBegin(Map<String, Double> logs) {
    }

    public void onTrainEnd(Map<String, Double> logs) {
    }

    public void onEpochBegin(int epoch, Map<String, Double> logs) {
    }

    public void onEpochEnd(int epoch, Map<String, Double> logs) {
    }

    public void onTrainBatchBegin(int batch, Map<String, Double> logs) {
    }

    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
    }
}
