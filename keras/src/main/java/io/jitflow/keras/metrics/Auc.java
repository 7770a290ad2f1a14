package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.List;

/**
 * The area under the ROC curve, as Keras's AUC: true and false positives and negatives counted at
 * {@code numThresholds} thresholds evenly spaced over [0, 1] (the ends just outside it), the curve
 * through the points (false positive rate, true positive rate) integrated by trapezoids.
 */
public final class Auc extends StatefulMetric {
    private final double[] thresholds;

    public Auc() {
        this(200);
    }

    public Auc(int numThresholds) {
        super("auc");
        if (numThresholds < 2) {
            throw new IllegalArgumentException("AUC needs at least 2 thresholds, got " + numThresholds);
        }
        thresholds = new double[numThresholds];
        for (int i = 0; i < numThresholds; i++) {
            thresholds[i] = i / (double) (numThresholds - 1);
        }
        thresholds[0] = -1e-7;
        thresholds[numThresholds - 1] = 1 + 1e-7;
    }

    @Override
    protected List<HostTensor> initialState() {
        return java.util.Collections.nCopies(4, HostTensor.zeros(DType.FLOAT64, thresholds.length));
    }

    @Override
    protected List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred) {
        Tensor p = Jf.reshape(yPred.cast(DType.FLOAT64), -1, 1);
        Tensor positive = Jf.reshape(Counts.above(yTrue, 0.5), -1, 1);
        Tensor predicted = p.greater(Jf.reshape(Jf.constant(thresholds), 1, -1));
        Tensor negative = Jf.logicalNot(positive);
        Tensor notPredicted = Jf.logicalNot(predicted);
        return List.of(state.get(0).add(counts(Jf.logicalAnd(predicted, positive))),
                state.get(1).add(counts(Jf.logicalAnd(predicted, negative))),
                state.get(2).add(counts(Jf.logicalAnd(notPredicted, negative))),
                state.get(3).add(counts(Jf.logicalAnd(notPredicted, positive))));
    }

    /** Per threshold, the number of true rows. */
    private static Tensor counts(Tensor condition) {
        return Jf.reduceSum(condition.cast(DType.FLOAT64), 0);
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        Tensor tpr = Counts.divide(state.get(0), state.get(0).add(state.get(3)));
        Tensor fpr = Counts.divide(state.get(1), state.get(1).add(state.get(2)));
        Tensor width = Jf.slice(fpr, ":-1").sub(Jf.slice(fpr, "1:"));
        Tensor height = Jf.slice(tpr, ":-1").add(Jf.slice(tpr, "1:")).mul(0.5);
        return Jf.reduceSum(width.mul(height));
    }
}
