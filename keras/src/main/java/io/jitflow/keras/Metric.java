package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;

/** A metric: a per-batch mean that fit and evaluate average over all examples. */
public interface Metric {
    String name();

    Tensor compute(Tensor yTrue, Tensor yPred);

    /**
     * "accuracy" as Keras resolves it for a loss and prediction shape: sparse categorical (integer
     * labels), binary (one output, or a binary cross-entropy loss) or categorical (one-hot labels).
     */
    static Metric accuracy(Loss loss, int outputUnits) {
        String lossName = loss.name();
        if (lossName.equals("sparse_categorical_crossentropy")) {
            return named("accuracy", (y, p) ->
                    mean(Jf.equal(Jf.argmax(p, -1), Loss.checkedLabels("accuracy", y, p).cast(DType.INT64))));
        }
        if (lossName.equals("binary_crossentropy") || outputUnits == 1) {
            return matching("accuracy", (y, p) -> mean(Jf.equal(p.greater(Jf.constant(0.5f).cast(p.dtype())),
                    y.greater(Jf.constant(0.5f).cast(y.dtype())))));
        }
        return matching("accuracy", (y, p) -> mean(Jf.equal(Jf.argmax(p, -1), Jf.argmax(y, -1))));
    }

    private static Tensor mean(Tensor matches) {
        return Jf.reduceMean(matches.cast(DType.FLOAT32));
    }

    static Metric of(String name, Loss loss, int outputUnits) {
        return switch (name) {
            case "accuracy", "acc" -> accuracy(loss, outputUnits);
            case "mse", "mean_squared_error" -> matching("mse", (y, p) -> Jf.reduceMean(Jf.square(y.sub(p))));
            case "mae", "mean_absolute_error" -> matching("mae", (y, p) -> Jf.reduceMean(Jf.abs(y.sub(p))));
            default -> throw new IllegalArgumentException("unknown metric '" + name + "' (known: accuracy, mse, mae)");
        };
    }

    /** A metric whose labels are first matched to the predictions' shape and dtype, as a loss's are. */
    private static Metric matching(String name, java.util.function.BinaryOperator<Tensor> f) {
        return named(name, (y, p) -> f.apply(Loss.matchLabels(name, y, p), p));
    }

    static Metric named(String name, java.util.function.BinaryOperator<Tensor> f) {
        return new Metric() {
            public String name() {
                return name;
            }

            public Tensor compute(Tensor yTrue, Tensor yPred) {
                return f.apply(yTrue, yPred);
            }
        };
    }
}
