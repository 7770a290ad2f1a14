package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/** The share of examples whose integer label is among the {@code k} highest predictions (k = 5 by default). */
public final class SparseTopKCategoricalAccuracy extends MeanMetric {
    private final int k;

    public SparseTopKCategoricalAccuracy() {
        this(5);
    }

    public SparseTopKCategoricalAccuracy(int k) {
        super("sparse_top_k_categorical_accuracy");
        this.k = TopK.checked(name(), k);
    }

    @Override
    protected Tensor values(Tensor yTrue, Tensor yPred) {
        Tensor labels = yTrue.rank() == yPred.rank() ? Jf.squeeze(yTrue, -1) : yTrue;
        return TopK.contains(yPred, labels, k);
    }
}
