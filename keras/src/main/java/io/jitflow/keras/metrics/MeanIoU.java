package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.List;

/**
 * The mean over classes of intersection over union, as Keras's MeanIoU: a confusion matrix of
 * labels (class indices) against predictions (class indices, or scores whose highest is taken)
 * accumulates over batches; classes that never appear are left out of the mean.
 */
public final class MeanIoU extends StatefulMetric {
    private final int classes;

    public MeanIoU(int numClasses) {
        super("mean_io_u");
        if (numClasses < 2) {
            throw new IllegalArgumentException("MeanIoU needs at least 2 classes, got " + numClasses);
        }
        this.classes = numClasses;
    }

    @Override
    protected List<HostTensor> initialState() {
        return List.of(HostTensor.zeros(DType.FLOAT64, classes, classes));
    }

    @Override
    protected List<Tensor> update(List<Tensor> state, Tensor yTrue, Tensor yPred) {
        boolean scores = yPred.dtype().isFloating() && yPred.rank() > 0
                && yPred.type().shape().dim(yPred.rank() - 1).equals(io.jitflow.ir.Dim.of(classes));
        Tensor predicted = scores ? Jf.argmax(yPred, -1) : yPred;
        Tensor truth = Jf.oneHot(Jf.reshape(yTrue, -1).cast(DType.INT32), classes, DType.FLOAT64);
        Tensor guess = Jf.oneHot(Jf.reshape(predicted, -1).cast(DType.INT32), classes, DType.FLOAT64);
        return List.of(state.get(0).add(Jf.matmul(Jf.transpose(truth), guess)));
    }

    @Override
    protected Tensor result(List<Tensor> state) {
        Tensor cm = state.get(0);
        Tensor diagonal = Jf.reduceSum(cm.mul(Jf.eye(classes, DType.FLOAT64)), -1);
        Tensor union = Jf.reduceSum(cm, -1).add(Jf.reduceSum(cm, 0)).sub(diagonal);
        Tensor present = Jf.greater(union, Jf.zerosLike(union));
        Tensor iou = Counts.divide(diagonal, union);
        return Counts.divide(Jf.reduceSum(iou), Counts.count(present));
    }
}
