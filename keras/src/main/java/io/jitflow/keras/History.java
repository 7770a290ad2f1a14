package io.jitflow.keras;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What fit records, as keras.callbacks.History: the parameters, the epochs, each epoch's loss and metrics. */
public final class History {
    private final Map<String, Object> params;
    private final List<Integer> epochs = new ArrayList<>();
    private final Map<String, List<Double>> history = new LinkedHashMap<>();

    History(Map<String, Object> params) {
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    void record(int epoch, Map<String, Double> logs) {
        epochs.add(epoch);
        logs.forEach((k, v) -> history.computeIfAbsent(k, key -> new ArrayList<>()).add(v));
    }

    /** epochs, steps (per epoch) and verbose. */
    public Map<String, Object> params() {
        return params;
    }

    public List<Integer> epoch() {
        return Collections.unmodifiableList(epochs);
    }

    /** Per key ("loss", "accuracy", "val_loss", ...), one value per epoch. */
    public Map<String, List<Double>> history() {
        return Collections.unmodifiableMap(history);
    }

    public List<Double> get(String key) {
        List<Double> values = history.get(key);
        if (values == null) {
            throw new IllegalArgumentException("no '" + key + "' in the history (keys: " + history.keySet() + ")");
        }
        return Collections.unmodifiableList(values);
    }

    /**
     * Draws the training curves (the loss and each metric, training solid and validation dashed,
     * against the epoch) to a .svg or .png file.
     */
    public void plot(java.nio.file.Path file) throws java.io.IOException {
        CurvePlot.write(this, file);
    }
}
