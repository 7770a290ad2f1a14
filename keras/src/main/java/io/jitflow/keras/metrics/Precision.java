package io.jitflow.keras.metrics;

/** true positives / predicted positives, a prediction positive above {@code threshold}, a label above 0.5. */
public final class Precision extends ConfusionRatio {
    public Precision() {
        this(0.5);
    }

    public Precision(double threshold) {
        super("precision", threshold, true);
    }
}
