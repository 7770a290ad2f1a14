package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.HostTensor;
import java.util.List;

/** true positives / actual positives, a prediction positive above {@code threshold}, a label above 0.5. */
public final class Recall extends StatefulMetric {
    private final double threshold;

    public Recall() {
        this(0.5);
    }

    public Recall(double threshold) {
        super("recall");
        this.threshold = threshold;
    }

    @Override
    protected List<HostTensor> initialState() {
        return Counts.zeros(2);
    }

    @Override
    protected List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred) {
        Tensor predicted = Counts.above(yPred, threshold);
        Tensor actual = Counts.above(yTrue, 0.5);
        return List.of(state.get(0).add(Counts.count(Jf.logicalAnd(predicted, actual))),
                state.get(1).add(Counts.count(Jf.logicalAnd(Jf.logicalNot(predicted), actual))));
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        return Counts.divide(state.get(0), state.get(0).add(state.get(1)));
    }
}
