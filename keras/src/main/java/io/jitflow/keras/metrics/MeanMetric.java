package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.List;

/** A metric that is the mean of a value per element (or example) over every batch: a total and a count. */
abstract class MeanMetric extends StatefulMetric {
    MeanMetric(String name) {
        super(name);
    }

    /** The values the mean is over, for a batch. */
    protected abstract Tensor values(Tensor yTrue, Tensor yPred);

    @Override
    protected List<HostTensor> initialState() {
        return Counts.zeros(2);
    }

    @Override
    protected List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred) {
        Tensor v = values(yTrue, yPred).cast(DType.FLOAT64);
        Tensor n = Jf.reduceSum(Jf.onesLike(v));
        return List.of(state.get(0).add(Jf.reduceSum(v)), state.get(1).add(n));
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        return Counts.divide(state.get(0), state.get(1));
    }
}
