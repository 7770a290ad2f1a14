package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;

/**
 * A loss: the mean over the batch of a per-example loss, as Keras reduces by default. By Keras's
 * names ({@link #of}) or as objects; the cross-entropies take probabilities unless {@code fromLogits}.
 */
public interface Loss {
    String name();

    /** The loss of a batch: the mean of its examples' losses. */
    Tensor compute(Tensor yTrue, Tensor yPred);

    /**
     * Each example's loss, shape (batch): what fit's sample and class weights scale. The built-in
     * losses give it; a loss written as a function of the whole batch cannot.
     */
    default Tensor perExample(Tensor yTrue, Tensor yPred) {
        throw new UnsupportedOperationException("loss " + name() + " gives only the batch's mean; sample and class"
                + " weights need each example's loss (implement Loss.perExample)");
    }

    /** Probabilities are kept in [EPSILON, 1 - EPSILON] before their log is taken, as Keras does. */
    double EPSILON = 1e-7;

    static Loss meanSquaredError() {
        return averaged("mean_squared_error", (y, p) -> Jf.square(y.sub(p)));
    }

    static Loss meanAbsoluteError() {
        return averaged("mean_absolute_error", (y, p) -> Jf.abs(y.sub(p)));
    }

    static Loss binaryCrossentropy(boolean fromLogits) {
        return averaged("binary_crossentropy", (y, p) -> {
            if (fromLogits) {
                // max(z, 0) - z y + log(1 + exp(-|z|)): no overflow for any z.
                return Jf.relu(p).sub(p.mul(y)).add(Jf.log1p(Jf.exp(Jf.abs(p).neg())));
            }
            Tensor q = Jf.clip(p, EPSILON, 1 - EPSILON);
            Tensor one = Jf.onesLike(q);
            return y.mul(Jf.log(q)).add(one.sub(y).mul(Jf.log(one.sub(q)))).neg();
        });
    }

    static Loss categoricalCrossentropy(boolean fromLogits) {
        return summed("categorical_crossentropy", (y, p) -> {
            Tensor logProbabilities = fromLogits ? Jf.logSoftmax(p)
                    : Jf.log(Jf.clip(p.div(Jf.reduceSum(p, true, -1)), EPSILON, 1 - EPSILON));
            return y.mul(logProbabilities).neg();
        });
    }

    /** Huber: quadratic within {@code delta} of the label, linear beyond: 0.5 q^2 + delta (|e| - q), q = min(|e|, delta). */
    static Loss huber(double delta) {
        return averaged("huber", (y, p) -> {
            Tensor error = Jf.abs(p.sub(y));
            Tensor quadratic = Jf.minimum(error, Jf.fill(error.dtype(), delta));
            return Jf.square(quadratic).mul(0.5).add(error.sub(quadratic).mul(delta));
        });
    }

    /** log(cosh(e)), computed as e + softplus(-2e) - log 2 so that large errors do not overflow. */
    static Loss logCosh() {
        return averaged("log_cosh", (y, p) -> {
            Tensor e = p.sub(y);
            return e.add(Jf.softplus(e.mul(-2.0))).sub(Math.log(2));
        });
    }

    /** Kullback-Leibler divergence sum(y log(y / p)), both clipped to [EPSILON, 1]. */
    static Loss klDivergence() {
        return summed("kl_divergence", (y, p) -> {
            Tensor yc = Jf.clip(y, EPSILON, 1);
            return yc.mul(Jf.log(yc.div(Jf.clip(p, EPSILON, 1))));
        });
    }

    /** Poisson: p - y log(p + EPSILON). */
    static Loss poisson() {
        return averaged("poisson", (y, p) -> p.sub(y.mul(Jf.log(p.add(EPSILON)))));
    }

    /** Hinge: max(1 - y p, 0); labels of 0 and 1 count as -1 and 1, as Keras converts them. */
    static Loss hinge() {
        return averaged("hinge", (y, p) -> Jf.relu(Jf.onesLike(p).sub(signs(y).mul(p))));
    }

    static Loss squaredHinge() {
        return averaged("squared_hinge", (y, p) -> Jf.square(Jf.relu(Jf.onesLike(p).sub(signs(y).mul(p)))));
    }

    /** Labels in {0, 1} as {-1, 1}; others unchanged. */
    private static Tensor signs(Tensor y) {
        Tensor binary = Jf.reduceAll(Jf.logicalOr(Jf.equal(y, Jf.zerosLike(y)), Jf.equal(y, Jf.onesLike(y))));
        return Jf.where(binary, y.mul(2.0).sub(1.0), y);
    }

    /** Categorical hinge: max(max((1 - y) p) - sum(y p) + 1, 0) per example. */
    static Loss categoricalHinge() {
        return perExampleLoss("categorical_hinge", (y, p) -> {
            Tensor positive = Jf.reduceSum(y.mul(p), -1);
            Tensor negative = Jf.reduceMax(Jf.onesLike(y).sub(y).mul(p), false, -1);
            return Jf.relu(negative.sub(positive).add(1.0));
        });
    }

    /** The negated cosine similarity of label and prediction along the last axis (-1 when they align). */
    static Loss cosineSimilarity() {
        return perExampleLoss("cosine_similarity", (y, p) -> Jf.reduceSum(unit(y).mul(unit(p)), -1).neg());
    }

    /** x / max(|x|, 1e-6) along the last axis, as Keras's l2_normalize (its epsilon bounds the squared norm at 1e-12). */
    private static Tensor unit(Tensor x) {
        Tensor squared = Jf.reduceSum(Jf.square(x), true, -1);
        return x.mul(Jf.rsqrt(Jf.maximum(squared, Jf.fill(x.dtype(), 1e-12))));
    }

    /** 100 |y - p| / max(|y|, EPSILON). */
    static Loss meanAbsolutePercentageError() {
        return averaged("mean_absolute_percentage_error", (y, p) ->
                Jf.abs(y.sub(p)).div(Jf.maximum(Jf.abs(y), Jf.fill(y.dtype(), EPSILON))).mul(100.0));
    }

    /** (log(max(p, EPSILON) + 1) - log(max(y, EPSILON) + 1))^2. */
    static Loss meanSquaredLogarithmicError() {
        return averaged("mean_squared_logarithmic_error", (y, p) -> {
            Tensor floor = Jf.fill(p.dtype(), EPSILON);
            return Jf.square(Jf.log1p(Jf.maximum(p, floor)).sub(Jf.log1p(Jf.maximum(y, floor))));
        });
    }

    /**
     * Integer labels in [0, classes) against per-class predictions. A label out of range fails the
     * step that computes the loss (a run-time check, as integer division by zero is).
     */
    static Loss sparseCategoricalCrossentropy(boolean fromLogits) {
        Loss categorical = categoricalCrossentropy(fromLogits);
        return new Loss() {
            public String name() {
                return "sparse_categorical_crossentropy";
            }

            public Tensor compute(Tensor yTrue, Tensor yPred) {
                return categorical.compute(oneHot(yTrue, yPred), yPred);
            }

            public Tensor perExample(Tensor yTrue, Tensor yPred) {
                return categorical.perExample(oneHot(yTrue, yPred), yPred);
            }

            private Tensor oneHot(Tensor y, Tensor p) {
                int classes = p.type().shape().dim(p.rank() - 1).size();
                return Jf.oneHot(checkedLabels(name(), y, p), classes, p.dtype());
            }
        };
    }

    /**
     * Sparse labels, shaped (batch) or (batch, 1), as a (batch) tensor whose reading fails when a
     * label is outside [0, classes): gathering from range(classes) returns each label unchanged and
     * checks its range, where one_hot alone would give a row of zeros.
     */
    static Tensor checkedLabels(String lossName, Tensor y, Tensor p) {
        if (!y.dtype().isInteger()) {
            throw new IllegalArgumentException(lossName + ": labels must be integer class indices, got " + y.type()
                    + "; cast them (labels.cast(DType.INT32)), as fit does with whole-number floats");
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
            boolean classIndices = y.dtype().isInteger() && y.rank() == p.rank() - 1;
            throw new IllegalArgumentException(lossName + ": labels of type " + y.type() + " do not match predictions "
                    + p.type() + (classIndices ? "; these look like class indices: use sparse_categorical_crossentropy,"
                    + " or one-hot encode them (Jf.oneHot)" : ""));
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

    /**
     * A loss from an elementwise term, labels first matched to the predictions: an example's loss
     * is the term's mean over the last axis, the batch's the mean over every element (the same
     * value, summed in one pass).
     */
    private static Loss averaged(String name, java.util.function.BinaryOperator<Tensor> term) {
        return elementwise(name, term, false);
    }

    /** As {@link #averaged}, an example's loss summing the term over the last axis. */
    private static Loss summed(String name, java.util.function.BinaryOperator<Tensor> term) {
        return elementwise(name, term, true);
    }

    private static Loss elementwise(String name, java.util.function.BinaryOperator<Tensor> term, boolean sum) {
        return new Loss() {
            public String name() {
                return name;
            }

            public Tensor compute(Tensor yTrue, Tensor yPred) {
                Tensor t = term.apply(matchLabels(name, yTrue, yPred), yPred);
                return Jf.reduceMean(sum ? Jf.reduceSum(t, -1) : t);
            }

            public Tensor perExample(Tensor yTrue, Tensor yPred) {
                Tensor t = term.apply(matchLabels(name, yTrue, yPred), yPred);
                return t.rank() < 2 ? t : sum ? Jf.reduceSum(t, -1) : Jf.reduceMean(t, false, -1);
            }
        };
    }

    /** A loss computed per example (labels matched first); the batch's is their mean. */
    private static Loss perExampleLoss(String name, java.util.function.BinaryOperator<Tensor> f) {
        return new Loss() {
            public String name() {
                return name;
            }

            public Tensor compute(Tensor yTrue, Tensor yPred) {
                return Jf.reduceMean(perExample(yTrue, yPred));
            }

            public Tensor perExample(Tensor yTrue, Tensor yPred) {
                return f.apply(matchLabels(name, yTrue, yPred), yPred);
            }
        };
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
            case "huber" -> huber(1.0);
            case "log_cosh", "logcosh" -> logCosh();
            case "kl_divergence", "kld" -> klDivergence();
            case "poisson" -> poisson();
            case "hinge" -> hinge();
            case "squared_hinge" -> squaredHinge();
            case "categorical_hinge" -> categoricalHinge();
            case "cosine_similarity" -> cosineSimilarity();
            case "mape", "mean_absolute_percentage_error" -> meanAbsolutePercentageError();
            case "msle", "mean_squared_logarithmic_error" -> meanSquaredLogarithmicError();
            default -> throw new IllegalArgumentException("unknown loss '" + name + "' (known: mse, mae, "
                    + "binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy, huber, log_cosh, "
                    + "kl_divergence, poisson, hinge, squared_hinge, categorical_hinge, cosine_similarity, mape, msle)");
        };
    }
}
