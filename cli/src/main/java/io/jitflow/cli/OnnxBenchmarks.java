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
 * kernels use), and timed one after the other on the same inputs in this run.
 */
final class OnnxBenchmarks {
    /** One model's figures: Jitflow's and ONNX Runtime's milliseconds per call, and Jitflow's load time. */
    record Result(double jitflowMillis, double onnxRuntimeMillis, double loadMillis, long bytes) {
        /** How many times faster than ONNX Runtime Jitflow is (above 1: faster). */
        double speedup() {
            return onnxRuntimeMillis / jitflowMillis;
        }
    }

    private OnnxBenchmarks() {
    }

    /** The MNIST MLP (784-128-10, relu, softmax) on a batch of {@code batch} images. */
    static Result mlp(ConvBenchmarks.Timer timer, int reps, int batch) throws IOException {
        Jf.setRandomSeed(5);
        Sequential model = new Sequential(new Input(784), new Dense(128, "relu"), new Dense(10, "softmax"));
        Path file = Files.createTempDirectory("jitflow-bench").resolve("mlp.onnx");
        model.save(file);
        Tensor x = Jf.randomUniform(new int[] {batch, 784}, 0, 1, 11, DType.FLOAT32);
        return compare(timer, reps, file, x);
    }

    /** The Keras MNIST convnet of the examples (Conv2D 32 and 64, 3x3, pools, dense), random weights, a batch of images. */
    static Result mnistConvnet(ConvBenchmarks.Timer timer, int reps, int batch) throws IOException {
        Jf.setRandomSeed(6);
        Sequential model = io.jitflow.examples.MnistConvnet.model();
        Path file = Files.createTempDirectory("jitflow-bench").resolve("convnet.onnx");
        model.save(file);
        Tensor x = Jf.randomUniform(new int[] {batch, 28, 28, 1}, 0, 1, 12, DType.FLOAT32);
        return compare(timer, reps, file, x);
    }

    /** The ResNet-50-shaped network of B9 (25.5 million parameters), one 224x224x3 image. */
    static Result resnet50(ConvBenchmarks.Timer timer, int reps) throws IOException {
        ConvBenchmarks.ResNet50 net = new ConvBenchmarks.ResNet50();
        Tensor image = Jf.randomUniform(new int[] {1, 224, 224, 3}, 0, 1, 9, DType.FLOAT32);
        net.forward(image);
        JitFunction f = Jit.function((Tensor x) -> net.forward(x));
        Path file = Files.createTempDirectory("jitflow-bench").resolve("resnet50.onnx");
        f.writeGraph(file, image);
        return compare(timer, reps, file, image);
    }

    /**
     * Both runtimes warmed up by the same calls first: enough for HotSpot to compile a large model's
     * kernels (ResNet-50's 56; with 3 calls its time still included compilation, 68-125 ms against
     * 49 ms warm).
     */
    private static final int WARMUP_CALLS = 30;

    private static Result compare(ConvBenchmarks.Timer timer, int reps, Path file, Tensor x) throws IOException {
        long start = System.nanoTime();
        CompiledGraph jitflow = Jit.load(file);
        String input = jitflow.function(Onnx.FUNCTION_NAME).inputs().get(0).name();
        double loadMillis = (System.nanoTime() - start) / 1e6;
        double ours = timer.seconds(WARMUP_CALLS, reps, () -> jitflow.call(Onnx.FUNCTION_NAME, Map.of(input, x))) * 1e3;
        double theirs;
        try (OnnxRuntimeSession ort = OnnxRuntimeSession.open(file, KernelThreads.count())) {
            Runnable call = ort.prepare(Map.of(input, x.toHostTensor()));
            theirs = timer.seconds(WARMUP_CALLS, reps, call) * 1e3;
        }
        long bytes = Files.size(file);
        Files.delete(file);
        return new Result(ours, theirs, loadMillis, bytes);
    }
}
