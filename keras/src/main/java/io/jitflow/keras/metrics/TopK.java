package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;

/** Whether each example's true class is among its {@code k} highest predictions: fewer than k classes score higher. */
final class TopK {
    private TopK() {
    }

    static Tensor contains(Tensor scores, Tensor trueClass, int k) {
        int classes = scores.type().shape().dim(scores.rank() - 1).size();
        Tensor oneHot = Jf.oneHot(trueClass.cast(DType.INT32), classes, scores.dtype());
        Tensor target = Jf.reduceSum(scores.mul(oneHot), true, -1);
        Tensor higher = Jf.reduceSum(scores.greater(target).cast(DType.INT32), -1);
        return Jf.less(higher, Jf.constant(k));
    }

    static int checked(String metric, int k) {
        if (k < 1) {
            throw new IllegalArgumentException(metric + ": k must be >= 1, got " + k);
        }
        return k;
    }
}
