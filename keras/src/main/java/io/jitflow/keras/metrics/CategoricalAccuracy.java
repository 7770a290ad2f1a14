package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/** The share of examples whose highest prediction is the one-hot label's class. */
public final class CategoricalAccuracy extends MeanMetric {
    public CategoricalAccuracy() {
        super("categorical_accuracy");
    }

    @Override
    protected Tensor values(Tensor yTrue, Tensor yPred) {
        return Jf.equal(Jf.argmax(yPred, -1), Jf.argmax(yTrue, -1));
    }
}
