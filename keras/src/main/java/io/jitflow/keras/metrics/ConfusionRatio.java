package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.HostTensor;
import java.util.List;

/**
 * Precision and recall: true positives over true positives plus the false ones that the metric
 * counts (false positives for precision, false negatives for recall); a prediction is positive
 * above the threshold, a label above 0.5.
 */
abstract class ConfusionRatio extends StatefulMetric {
    private final double threshold;
    private final boolean falsePositives;

    ConfusionRatio(String name, double threshold, boolean falsePositives) {
        super(name);
        this.threshold = threshold;
        this.falsePositives = falsePositives;
    }

    @Override
    protected List<HostTensor> initialState() {
        return Counts.zeros(2);
    }

    @Override
    protected List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred) {
        Tensor predicted = Counts.above(yPred, threshold);
        Tensor actual = Counts.above(yTrue, 0.5);
        Tensor wrong = falsePositives ? Jf.logicalAnd(predicted, Jf.logicalNot(actual))
                : Jf.logicalAnd(Jf.logicalNot(predicted), actual);
        return List.of(state.get(0).add(Counts.count(Jf.logicalAnd(predicted, actual))),
                state.get(1).add(Counts.count(wrong)));
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        return Counts.divide(state.get(0), state.get(0).add(state.get(1)));
    }
}
