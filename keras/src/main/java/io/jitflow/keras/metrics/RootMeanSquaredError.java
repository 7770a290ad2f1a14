package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import java.util.List;

/** sqrt of the mean squared error over every element seen. */
public final class RootMeanSquaredError extends MeanMetric {
    public RootMeanSquaredError() {
        super("root_mean_squared_error");
    }

    @Override
    protected Tensor values(Tensor yTrue, Tensor yPred) {
        return Jf.square(yPred.sub(io.jitflow.keras.Loss.matchLabels(name(), yTrue, yPred)));
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        return Jf.sqrt(super.result(state));
    }
}
