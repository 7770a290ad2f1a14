package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/** The share of elements whose prediction is on the label's side of {@code threshold} (labels above 0.5 are positive). */
public final class BinaryAccuracy extends MeanMetric {
    private final double threshold;

    public BinaryAccuracy() {
        this(0.5);
    }

    public BinaryAccuracy(double threshold) {
        super("binary_accuracy");
        this.threshold = threshold;
    }

    @Override
    protected Tensor values(Tensor yTrue, Tensor yPred) {
        return Jf.equal(Counts.above(yPred, threshold), Counts.above(yTrue, 0.5));
    }
}
