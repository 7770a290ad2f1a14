package io.jitflow.keras;

import io.jitflow.Tensor;
import java.io.PrintStream;
import java.util.List;

/** fit's options, Keras's keyword arguments: {@code FitOptions.epochs(5).batchSize(32).validationSplit(0.1)}. */
public final class FitOptions {
    int epochs = 1;
    int batchSize = 32;
    double validationSplit;
    java.util.List<Tensor> validationX;
    java.util.List<Tensor> validationY;
    boolean shuffle = true;
    int verbose = 1;
    long seed = 0;
    PrintStream out = System.out;
    Boolean terminal;
    List<Callback> callbacks = List.of();
    Tensor sampleWeight;
    java.util.Map<Integer, Double> classWeight;
    int initialEpoch;
    int stepsPerEpoch;

    private FitOptions() {
    }

    public static FitOptions epochs(int epochs) {
        return new FitOptions().withEpochs(epochs);
    }

    public static FitOptions defaults() {
        return new FitOptions();
    }

    public FitOptions withEpochs(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + n);
        }
        this.epochs = n;
        return this;
    }

    public FitOptions batchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + n);
        }
        this.batchSize = n;
        return this;
    }

    /** Holds out the last {@code fraction} of the examples (taken before shuffling) for validation. */
    public FitOptions validationSplit(double fraction) {
        if (fraction < 0 || fraction >= 1) {
            throw new IllegalArgumentException("validation split must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    public FitOptions validationData(Tensor x, Tensor y) {
        return validationData(java.util.Collections.singletonList(x), java.util.Collections.singletonList(y));
    }

    /** Validation data of a model with several inputs or outputs: each input's examples, each output's labels. */
    public FitOptions validationData(java.util.List<Tensor> xs, java.util.List<Tensor> ys) {
        this.validationX = xs;
        this.validationY = ys;
        return this;
    }

    public FitOptions shuffle(boolean on) {
        this.shuffle = on;
        return this;
    }

    /** 0 silent, 1 a progress bar on a terminal (one line per epoch otherwise), 2 one line per epoch. */
    public FitOptions verbose(int level) {
        this.verbose = level;
        return this;
    }

    /** The seed of the per-epoch shuffles and the dropout noise. */
    public FitOptions seed(long s) {
        this.seed = s;
        return this;
    }

    /** Where progress goes (standard output by default). */
    public FitOptions output(PrintStream stream) {
        this.out = stream;
        return this;
    }

    /** Each example's weight (shape (N)): its loss counts that much, as Keras's sample_weight. */
    public FitOptions sampleWeight(Tensor weights) {
        this.sampleWeight = weights;
        return this;
    }

    /** A weight per class index: each example's loss counts its class's weight, as Keras's class_weight. */
    public FitOptions classWeight(java.util.Map<Integer, Double> weights) {
        this.classWeight = java.util.Map.copyOf(weights);
        return this;
    }

    /** Callbacks fit calls as training goes, in this order (after the progress output). */
    public FitOptions callbacks(Callback... list) {
        this.callbacks = List.of(list);
        return this;
    }

    /** The epoch to start at (0-based), to resume a run: epochs initialEpoch .. epochs - 1 run. */
    public FitOptions initialEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("initial epoch must be >= 0, got " + epoch);
        }
        this.initialEpoch = epoch;
        return this;
    }

    /** Batches per epoch (Keras's steps_per_epoch): fewer than the data holds, or a count for a dataset. */
    public FitOptions stepsPerEpoch(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps per epoch must be >= 1, got " + steps);
        }
        this.stepsPerEpoch = steps;
        return this;
    }

    /** Forces the progress bar on or off, instead of asking whether standard output is a terminal. */
    public FitOptions terminal(boolean on) {
        this.terminal = on;
        return this;
    }
}
