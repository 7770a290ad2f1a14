package io.jitflow.keras.metrics;

/** true positives / actual positives, a prediction positive above {@code threshold}, a label above 0.5. */
public final class Recall extends ConfusionRatio {
    public Recall() {
        this(0.5);
    }

    public Recall(double threshold) {
        super("recall", threshold, false);
    }
}
