package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/** The share of examples whose one-hot label's class is among the {@code k} highest predictions (k = 5 by default). */
public final class TopKCategoricalAccuracy extends MeanMetric {
    private final int k;

    public TopKCategoricalAccuracy() {
        this(5);
    }

    public TopKCategoricalAccuracy(int k) {
        super("top_k_categorical_accuracy");
        this.k = TopK.checked(name(), k);
    }

    @Override
    protected Tensor values(Tensor yTrue, Tensor yPred) {
        return TopK.contains(yPred, Jf.argmax(yTrue, -1), k);
    }
}
