package io.jitflow.cli;

import io.jitflow.CompiledGraph;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.bench.OnnxRuntimeSession;
import io.jitflow.ir.DType;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import io.jitflow.onnx.Onnx;
import io.jitflow.runtime.KernelThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * B11 of {@code jitflow bench}: models exported to ONNX, then loaded by Jitflow ({@code Jit.load}:
 * import, optimize, compile) and by ONNX Runtime (all optimizations, as many threads as Jitflow's
 * kernels use), and timed on the same inputs in this run, in interleaved rounds.
 */
final class OnnxBenchmarks {
    /**
     * One model's figures: per round, Jitflow's and ONNX Runtime's milliseconds per call (each the
     * median of the round's timed calls); Jitflow's load time; the file's size.
     */
    record Result(double[] jitflowRounds, double[] onnxRuntimeRounds, double loadMillis, long bytes) {
        double jitflowMillis() {
            return median(jitflowRounds);
        }

        double onnxRuntimeMillis() {
            return median(onnxRuntimeRounds);
        }

        /** Per round, how many times faster than ONNX Runtime Jitflow is (above 1: faster). */
        double[] roundSpeedups() {
            double[] speedups = new double[jitflowRounds.length];
            for (int r = 0; r < speedups.length; r++) {
                speedups[r] = onnxRuntimeRounds[r] / jitflowRounds[r];
            }
            return speedups;
        }

        /** The median of the rounds' speedups. */
        double speedup() {
            return median(roundSpeedups());
        }

        private static double median(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }
    }

    private OnnxBenchmarks() {
    }

    /** The MNIST MLP (784-128-10, relu, softmax) on a batch of {@code batch} images. */
    static Result mlp(ConvBenchmarks.Timer timer, int reps, int rounds, int batch) throws IOException {
        Jf.setRandomSeed(5);
        Sequential model = new Sequential(new Input(784), new Dense(128, "relu"), new Dense(10, "softmax"));
        Path file = Files.createTempDirectory("jitflow-bench").resolve("mlp.onnx");
        model.save(file);
        Tensor x = Jf.randomUniform(new int[] {batch, 784}, 0, 1, 11, DType.FLOAT32);
        return compare(timer, reps, rounds, file, x);
    }

    /** The Keras MNIST convnet of the examples (Conv2D 32 and 64, 3x3, pools, dense), random weights, a batch of images. */
    static Result mnistConvnet(ConvBenchmarks.Timer timer, int reps, int rounds, int batch) throws IOException {
        Jf.setRandomSeed(6);
        Sequential model = io.jitflow.examples.MnistConvnet.model();
        Path file = Files.createTempDirectory("jitflow-bench").resolve("convnet.onnx");
        model.save(file);
        Tensor x = Jf.randomUniform(new int[] {batch, 28, 28, 1}, 0, 1, 12, DType.FLOAT32);
        return compare(timer, reps, rounds, file, x);
    }

    /** The ResNet-50-shaped network of B9 (25.5 million parameters), one 224x224x3 image. */
    static Result resnet50(ConvBenchmarks.Timer timer, int reps, int rounds) throws IOException {
        ConvBenchmarks.ResNet50 net = new ConvBenchmarks.ResNet50();
        Tensor image = Jf.randomUniform(new int[] {1, 224, 224, 3}, 0, 1, 9, DType.FLOAT32);
        net.forward(image);
        JitFunction f = Jit.function((Tensor x) -> net.forward(x));
        Path file = Files.createTempDirectory("jitflow-bench").resolve("resnet50.onnx");
        f.writeGraph(file, image);
        return compare(timer, reps, rounds, file, image);
    }

    /**
     * Both runtimes warmed up by the same calls before each round's timed ones (and by the timer's
     * least warm-up time): enough for HotSpot to compile a large model's kernels (ResNet-50's 56;
     * with 3 calls its time still included compilation, 68-125 ms against 49 ms warm).
     */
    private static final int WARMUP_CALLS = 30;

    /**
     * Each runtime timed in {@code rounds} rounds, one after the other, the peer's after ours in
     * each: this machine's speed drifts (2x within an hour), so figures are compared within a
     * round. A first round may still include HotSpot compiling the model's kernels in the
     * background: ResNet-50's calls took 200, then 110, then 56 ms in the first three seconds
     * after its first call, and 39-42 from the fourth on, so that a round's median after the
     * least warm-up was 50-54 ms against 39-43 in the rounds after (2026-12-05); the median of
     * three rounds is a warm round's.
     */
    private static Result compare(ConvBenchmarks.Timer timer, int reps, int rounds, Path file, Tensor x)
            throws IOException {
        long start = System.nanoTime();
        CompiledGraph jitflow = Jit.load(file);
        String input = jitflow.function(Onnx.FUNCTION_NAME).inputs().get(0).name();
        double loadMillis = (System.nanoTime() - start) / 1e6;
        Runnable ours = () -> jitflow.call(Onnx.FUNCTION_NAME, Map.of(input, x));
        double[] oursMillis = new double[rounds];
        double[] theirsMillis = new double[rounds];
        try (OnnxRuntimeSession ort = OnnxRuntimeSession.open(file, KernelThreads.count())) {
            Runnable theirs = ort.prepare(Map.of(input, x.toHostTensor()));
            for (int r = 0; r < rounds; r++) {
                oursMillis[r] = timer.seconds(WARMUP_CALLS, reps, ours) * 1e3;
                theirsMillis[r] = timer.seconds(WARMUP_CALLS, reps, theirs) * 1e3;
            }
        }
        long bytes = Files.size(file);
        Files.delete(file);
        return new Result(oursMillis, theirsMillis, loadMillis, bytes);
    }
}
