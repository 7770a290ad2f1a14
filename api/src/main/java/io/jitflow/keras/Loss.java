package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/**
 * A loss: the mean over the batch of a per-example loss, as Keras reduces by default. By Keras's
 * names ({@link #of}) or as objects; the cross-entropies take probabilities unless {@code fromLogits}.
 */
public interface Loss {
    String name();

    Tensor compute(Tensor yTrue, Tensor yPred);

    /** Probabilities are kept in [EPSILON, 1 - EPSILON] before their log is taken, as Keras does. */
    double EPSILON = 1e-7;

    static Loss meanSquaredError() {
        return named("mean_squared_error", (y, p) -> Jf.reduceMean(Jf.square(y.sub(p))));
    }

    static Loss meanAbsoluteError() {
        return named("mean_absolute_error", (y, p) -> Jf.reduceMean(Jf.abs(y.sub(p))));
    }

    static Loss binaryCrossentropy(boolean fromLogits) {
        return named("binary_crossentropy", (y, p) -> {
            if (fromLogits) {
                // max(z, 0) - z y + log(1 + exp(-|z|)): no overflow for any z.
                return Jf.reduceMean(Jf.relu(p).sub(p.mul(y)).add(Jf.log1p(Jf.exp(Jf.abs(p).neg()))));
            }
            Tensor q = Jf.clip(p, EPSILON, 1 - EPSILON);
            Tensor one = Jf.onesLike(q);
            return Jf.reduceMean(y.mul(Jf.log(q)).add(one.sub(y).mul(Jf.log(one.sub(q)))).neg());
        });
    }

    static Loss categoricalCrossentropy(boolean fromLogits) {
        return named("categorical_crossentropy", (y, p) -> {
            Tensor logProbabilities = fromLogits ? Jf.logSoftmax(p)
                    : Jf.log(Jf.clip(p.div(Jf.reduceSum(p, true, -1)), EPSILON, 1 - EPSILON));
            return Jf.reduceMean(Jf.reduceSum(y.mul(logProbabilities), -1).neg());
        });
    }

    /** Integer labels against per-class predictions. */
    static Loss sparseCategoricalCrossentropy(boolean fromLogits) {
        return named("sparse_categorical_crossentropy", (y, p) -> {
            int classes = p.type().shape().dim(p.rank() - 1).size();
            Tensor labels = y.rank() == p.rank() ? Jf.squeeze(y, -1) : y;
            Tensor oneHot = Jf.oneHot(labels, classes, p.dtype());
            return categoricalCrossentropy(fromLogits).compute(oneHot, p);
        });
    }

    static Loss named(String name, java.util.function.BinaryOperator<Tensor> f) {
        return new Loss() {
            public String name() {
                return name;
            }

            public Tensor compute(Tensor yTrue, Tensor yPred) {
                return f.apply(yTrue, yPred);
            }
        };
    }

    /** A loss by Keras's name or alias: "mse", "mae", "binary_crossentropy", "sparse_categorical_crossentropy", ... */
    static Loss of(String name) {
        return switch (name) {
            case "mse", "mean_squared_error" -> meanSquaredError();
            case "mae", "mean_absolute_error" -> meanAbsoluteError();
            case "binary_crossentropy" -> binaryCrossentropy(false);
            case "categorical_crossentropy" -> categoricalCrossentropy(false);
            case "sparse_categorical_crossentropy" -> sparseCategoricalCrossentropy(false);
            default -> throw new IllegalArgumentException("unknown loss '" + name + "' (known: mse, mae, "
                    + "binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy)");
        };
    }
}
