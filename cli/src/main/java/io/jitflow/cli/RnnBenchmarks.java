package io.jitflow.cli;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.LSTM;
import java.util.ArrayList;
import java.util.List;

/** B10 of {@code jitflow bench}: an LSTM's training steps, and compile times that must not grow with the sequence. */
final class RnnBenchmarks {
    private RnnBenchmarks() {
    }

    /** Training steps per second of LSTM(128) + Dense(10) on sequences of 100 steps, batch 32, 64 features, Adam. */
    static double lstmSteps(ConvBenchmarks.Timer timer, int batches) {
        Jf.setRandomSeed(10);
        Sequential model = new Sequential(new Input(100, 64), new LSTM(128), new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy");
        Tensor x = Jf.randomUniform(new int[] {32 * batches, 100, 64}, -1, 1, 11, DType.FLOAT32);
        Tensor y = Jf.randomUniform(new int[] {32 * batches}, 0, 10, 12, DType.FLOAT32).cast(DType.INT32);
        double t = timer.seconds(1, 3, () -> model.fit(x, y, FitOptions.epochs(1).batchSize(32).verbose(0)));
        return batches / t;
    }

    /**
     * Milliseconds to trace, optimize and compile the gradient of an LSTM(128)'s output over
     * {@code length} steps (batch 32, 64 features) with respect to its weights: the body is one
     * region, so the length should not matter.
     */
    static double compileMillis(int length) {
        Jf.setRandomSeed(13);
        LSTM layer = new LSTM(128);
        layer.build(io.jitflow.ir.Shape.of(32, length, 64));
        JitFunction f = Jit.function("lstm" + length, args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor out = layer.call(args.get(0), CallContext.INFERENCE);
                return new ArrayList<>(tape.gradient(out.sum(), layer.weights()));
            }
        });
        Tensor x = Jf.zeros(new int[] {32, length, 64});
        long start = System.nanoTime();
        f.compile(x);
        return (System.nanoTime() - start) / 1e6;
    }

    /** Compile times for 10 and 1,000 steps, interleaved and each the median of {@code reps}. */
    static double[] compileMillis10And1000(int reps) {
        List<Double> ten = new ArrayList<>();
        List<Double> thousand = new ArrayList<>();
        compileMillis(10);
        for (int i = 0; i < reps; i++) {
            ten.add(compileMillis(10));
            thousand.add(compileMillis(1000));
        }
        return new double[] {median(ten), median(thousand)};
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
