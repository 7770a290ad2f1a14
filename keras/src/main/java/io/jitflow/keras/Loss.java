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
        return matching("mean_squared_error", (y, p) -> Jf.reduceMean(Jf.square(y.sub(p))));
    }

    static Loss meanAbsoluteError() {
        return matching("mean_absolute_error", (y, p) -> Jf.reduceMean(Jf.abs(y.sub(p))));
    }

    static Loss binaryCrossentropy(boolean fromLogits) {
        return matching("binary_crossentropy", (y, p) -> {
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
        return matching("categorical_crossentropy", (y, p) -> {
            Tensor logProbabilities = fromLogits ? Jf.logSoftmax(p)
                    : Jf.log(Jf.clip(p.div(Jf.reduceSum(p, true, -1)), EPSILON, 1 - EPSILON));
            return Jf.reduceMean(Jf.reduceSum(y.mul(logProbabilities), -1).neg());
        });
    }

    /**
     * Integer labels in [0, classes) against per-class predictions. A label out of range fails the
     * step that computes the loss (a run-time check, as integer division by zero is).
     */
    static Loss sparseCategoricalCrossentropy(boolean fromLogits) {
        return named("sparse_categorical_crossentropy", (y, p) -> {
            int classes = p.type().shape().dim(p.rank() - 1).size();
            Tensor oneHot = Jf.oneHot(checkedLabels("sparse_categorical_crossentropy", y, p), classes, p.dtype());
            return categoricalCrossentropy(fromLogits).compute(oneHot, p);
        });
    }

    /**
     * Sparse labels, shaped (batch) or (batch, 1), as a (batch) tensor whose reading fails when a
     * label is outside [0, classes): gathering from range(classes) returns each label unchanged and
     * checks its range, where one_hot alone would give a row of zeros.
     */
    static Tensor checkedLabels(String lossName, Tensor y, Tensor p) {
        if (!y.dtype().isInteger()) {
            throw new IllegalArgumentException(lossName + ": labels must be integer class indices, got " + y.type());
        }
        Tensor labels = y.rank() == p.rank() && lastDimIsOne(y) ? Jf.squeeze(y, -1) : y;
        if (labels.rank() != p.rank() - 1) {
            throw new IllegalArgumentException(lossName + ": labels of type " + y.type() + " do not match predictions "
                    + p.type() + " (expected one class index per row)");
        }
        int classes = p.type().shape().dim(p.rank() - 1).size();
        return Jf.gather(Jf.range(classes).cast(labels.dtype()), labels, 0);
    }

    /**
     * Labels brought to the predictions' shape and dtype as Keras does: a last axis of size 1 is
     * added or removed where the ranks differ by one; any other difference is an error (it would
     * broadcast to a batch x batch matrix and learn the mean).
     */
    static Tensor matchLabels(String lossName, Tensor y, Tensor p) {
        Tensor labels = y;
        if (y.rank() == p.rank() - 1 && lastDimIsOne(p)) {
            labels = Jf.expandDims(y, -1);
        } else if (y.rank() == p.rank() + 1 && lastDimIsOne(y)) {
            labels = Jf.squeeze(y, -1);
        }
        if (!labels.type().shape().equals(p.type().shape())) {
            throw new IllegalArgumentException(lossName + ": labels of type " + y.type() + " do not match predictions "
                    + p.type());
        }
        return labels.dtype() == p.dtype() ? labels : labels.cast(p.dtype());
    }

    private static boolean lastDimIsOne(Tensor t) {
        if (t.rank() == 0) {
            return false;
        }
        io.jitflow.ir.Dim last = t.type().shape().dim(t.rank() - 1);
        return last.isStatic() && last.size() == 1;
    }

    /** A loss whose labels are first matched to the predictions' shape and dtype. */
    private static Loss matching(String name, java.util.function.BinaryOperator<Tensor> f) {
        return named(name, (y, p) -> f.apply(matchLabels(name, y, p), p));
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
