package io.jitflow.cli;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.runtime.KernelThreads;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code jitflow bench [--quick]}: the benchmark table. Each figure is the median of repeated timed
 * runs after warm-up; each comparison is a ratio of figures measured in this same run.
 */
final class BenchCommand extends Command {
    private static final int CHAIN_SIZE = 4_194_304;

    BenchCommand() {
        super("bench", "[--quick] [--peers] [--profile]", "run the benchmarks and print the table (--quick: fewer"
                + " repetitions, smaller sizes; --peers: each workload beside OpenBLAS, ONNX Runtime and NumPy in this run,"
                + " against the targets; --profile: the training steps kernel by kernel, and jitflow-profile.json, a Chrome"
                + " trace)", Set.of(), Set.of("quick", "peers", "profile"));
    }

    /**
     * The least warm-up time: HotSpot compiles the hot loops in the background, on the cores the
     * benchmark also uses, and reaches its final code only after a second or two of calls.
     */
    private static final long WARMUP_NANOS = 3_000_000_000L;

    /** Median seconds of {@code runs} timed calls after at least {@code warmup} untimed ones and {@link #WARMUP_NANOS}. */
    static double median(int warmup, int runs, Runnable body) {
        long warmupStart = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - warmupStart < WARMUP_NANOS; i++) {
            body.run();
        }
        double[] seconds = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            body.run();
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        return seconds[runs / 2];
    }

    @Override
    void run(Arguments args, PrintStream out) throws java.io.IOException {
        boolean quick = args.flag("quick");
        if (args.flag("profile")) {
            PeerBenchmarks.profile(BenchCommand::median, java.nio.file.Path.of("jitflow-profile.json"), out);
            return;
        }
        if (args.flag("peers")) {
            PeerBenchmarks.run(BenchCommand::median, quick, out);
            return;
        }
        int reps = quick ? 3 : 9;
        List<String[]> rows = new ArrayList<>();
        // B4 first, so that its compile happens in a JVM that has compiled nothing else.
        double compileMs = trainingStepCompileMillis();
        rows.add(new String[] {"B4", "trace + optimize + compile, MLP 784-128-10 training step", fmt(compileMs) + " ms", ""});
        elementwise(rows, reps);
        int[] sizes = quick ? new int[] {256} : new int[] {256, 1024, 2048};
        for (int n : sizes) {
            rows.add(matmul(n, reps, KernelThreads.count(), DType.FLOAT32));
            KernelThreads.withThreads(1, () -> rows.add(matmul(n, reps, 1, DType.FLOAT32)));
        }
        rows.add(dispatch(reps));
        rows.add(trainingSteps(reps));
        rows.add(new String[] {"B6", "Keras fit, MNIST 784-128-10 relu + Adam, batch 32",
                fmt(mnistSamplesPerSecond(quick ? 2 : 12, quick ? 3 : 5)) + " samples/s", ""});
        double matmulGflops = gflops(matmulSeconds(quick ? 256 : 1024, reps, DType.FLOAT32), quick ? 256 : 1024);
        double convGflops = ConvBenchmarks.convGflops(BenchCommand::median, reps, quick ? 2 : 8);
        rows.add(new String[] {"B7", "conv 3x3 64->64, 56x56, batch " + (quick ? 2 : 8) + ", same, float32",
                fmt(convGflops) + " GFLOP/s", fmt(convGflops / matmulGflops) + "x matmul " + (quick ? 256 : 1024)
                + "^3 (" + fmt(matmulGflops) + " GFLOP/s)"});
        double[] convnet = ConvBenchmarks.convnetSteps(BenchCommand::median, quick ? 1 : 2, quick ? 1 : 3);
        rows.add(new String[] {"B8", "Keras fit, MNIST convnet (Conv2D 32, 64) + Adam, batch 128",
                fmt(convnet[0]) + " steps/s", fmt(convnet[1] / 1e3) + " KB allocated a step, peak heap "
                + fmt(convnet[2]) + " MB"});
        rows.add(new String[] {"B9", "ResNet-50 shape, 224x224x3, batch 1, inference, float32",
                fmt(ConvBenchmarks.resnet50Millis(BenchCommand::median, quick ? 2 : 5)) + " ms/image", ""});
        OnnxBenchmarks.Result mlp = OnnxBenchmarks.mlp(BenchCommand::median, reps * 20, quick ? 1 : 3, 128);
        rows.add(new String[] {"B11", "MNIST MLP 784-128-10 from ONNX, batch 128, Jitflow / ONNX Runtime",
                fmt(mlp.jitflowMillis()) + " / " + fmt(mlp.onnxRuntimeMillis()) + " ms", fmt(mlp.speedup())
                + "x ONNX Runtime's speed"});
        OnnxBenchmarks.Result resnet = OnnxBenchmarks.resnet50(BenchCommand::median, quick ? 2 : 5, quick ? 1 : 3);
        rows.add(new String[] {"B11", "ResNet-50 shape from ONNX, 224x224x3, batch 1, Jitflow / ONNX Runtime",
                fmt(resnet.jitflowMillis()) + " / " + fmt(resnet.onnxRuntimeMillis()) + " ms", fmt(resnet.speedup())
                + "x ONNX Runtime's speed; import + optimize + compile of the " + resnet.bytes() / 1_000_000
                + " MB file " + fmt(resnet.loadMillis()) + " ms"});
        double lstm = RnnBenchmarks.lstmSteps(BenchCommand::median, quick ? 2 : 8);
        double[] compile = RnnBenchmarks.compileMillis10And1000(quick ? 1 : 3);
        rows.add(new String[] {"B10", "Keras fit, LSTM(128), 100 steps x 64 features, batch 32, Adam",
                fmt(lstm) + " steps/s", "compile " + fmt(compile[0]) + " ms for 10 steps, " + fmt(compile[1])
                + " ms for 1000"});
        // Last, so that the float32 figures above come from a JVM that has run only float32 kernels.
        rows.add(matmul(quick ? 256 : 1024, reps, KernelThreads.count(), DType.FLOAT64));
        out.printf("%-4s %-62s %16s %s%n", "id", "benchmark", "result", "ratio");
        for (String[] r : rows) {
            out.printf("%-4s %-62s %16s %s%n", r[0], r[1], r[2], r[3]);
        }
        out.printf("(%d available processors, %s %s)%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    static String fmt(double v) {
        return v >= 100 ? String.format("%.0f", v) : v >= 10 ? String.format("%.1f", v) : String.format("%.2f", v);
    }

    /** relu(x * a + b) * sigmoid(x) - tanh(x) / 2. */
    static Tensor chain(Tensor x, Tensor a, Tensor b) {
        return Jf.relu(x.mul(a).add(b)).mul(Jf.sigmoid(x)).sub(Jf.tanh(x).div(2f));
    }

    private static void elementwise(List<String[]> rows, int reps) {
        Tensor x = Jf.randomUniform(new int[] {CHAIN_SIZE}, -4, 4, 1, DType.FLOAT32);
        Tensor a = Jf.constant(1.5f);
        Tensor b = Jf.constant(-0.25f);
        JitFunction compiled = Jit.function("chain", xs -> List.of(chain(xs.get(0), xs.get(1), xs.get(2))));
        double gigabytes = 2.0 * 4 * CHAIN_SIZE / 1e9;
        // Generous warm-up: each call is a few long loops, which HotSpot compiles only after several calls.
        double tCompiled = median(15, reps, () -> compiled.callAll(x, a, b));
        double[] tOneThread = new double[1];
        KernelThreads.withThreads(1, () -> tOneThread[0] = median(15, reps, () -> compiled.callAll(x, a, b)));
        double tEager = median(5, reps, () -> chain(x, a, b));
        float[] xs = x.toFloatArray();
        float[] result = new float[xs.length];
        double tLoop = median(3, reps, () -> {
            for (int i = 0; i < xs.length; i++) {
                float v = xs[i];
                float r = Math.max(v * 1.5f - 0.25f, 0f);
                result[i] = r * (float) (1 / (1 + Math.exp(-v))) - (float) Math.tanh(v) / 2;
            }
        });
        rows.add(new String[] {"B1", "elementwise chain, 4,194,304 float32, compiled", fmt(gigabytes / tCompiled) + " GB/s",
                fmt(tEager / tCompiled) + "x eager, " + fmt(tLoop / tCompiled) + "x Java loop"});
        rows.add(new String[] {"B1", "elementwise chain, compiled, one thread", fmt(gigabytes / tOneThread[0]) + " GB/s", ""});
        rows.add(new String[] {"B1", "elementwise chain, eager op by op", fmt(gigabytes / tEager) + " GB/s", ""});
        rows.add(new String[] {"B1", "elementwise chain, hand-written Java loop", fmt(gigabytes / tLoop) + " GB/s", ""});
    }

    private static String[] matmul(int n, int reps, int threads, DType dtype) {
        return new String[] {"B2", "matmul " + dtype + " " + n + "^3, " + threads + " thread" + (threads == 1 ? "" : "s"),
                fmt(gflops(matmulSeconds(n, reps, dtype), n)) + " GFLOP/s", ""};
    }

    private static double matmulSeconds(int n, int reps, DType dtype) {
        Tensor a = Jf.randomUniform(new int[] {n, n}, -1, 1, 2, dtype);
        Tensor b = Jf.randomUniform(new int[] {n, n}, -1, 1, 3, dtype);
        JitFunction f = Jit.function((Tensor x, Tensor y) -> x.matmul(y));
        return median(3, n >= 1024 ? Math.max(3, reps / 3) : reps, () -> f.call(a, b));
    }

    private static double gflops(double seconds, int n) {
        return 2.0 * n * n * n / seconds / 1e9;
    }

    private static String[] dispatch(int reps) {
        return new String[] {"B3", "eager dispatch, add of two 4-element tensors", fmt(eagerAddMicros(reps)) + " us/op", ""};
    }

    /** Microseconds per eager add of two 4-element float32 tensors. */
    static double eagerAddMicros(int reps) {
        Tensor a = Jf.constant(new float[] {1, 2, 3, 4});
        Tensor b = Jf.constant(new float[] {5, 6, 7, 8});
        int calls = 100_000;
        double t = median(3, reps, () -> {
            for (int i = 0; i < calls; i++) {
                a.add(b);
            }
        });
        return t / calls * 1e6;
    }

    /** A 784-128-10 relu MLP with softmax cross-entropy and SGD (learning rate 0.01), batch 128. */
    record Mlp(JitFunction step, Tensor x, Tensor labels) {
        static Mlp create() {
            Variable w1 = new Variable(Jf.randomNormal(new int[] {784, 128}, 0, 0.05, 1, DType.FLOAT32), "w1", true);
            Variable b1 = new Variable(Jf.zeros(128), "b1", true);
            Variable w2 = new Variable(Jf.randomNormal(new int[] {128, 10}, 0, 0.05, 2, DType.FLOAT32), "w2", true);
            Variable b2 = new Variable(Jf.zeros(10), "b2", true);
            List<Variable> params = List.of(w1, b1, w2, b2);
            JitFunction step = Jit.function("train_step", args -> {
                try (GradientTape tape = new GradientTape()) {
                    Tensor h = Jf.relu(Jf.matmul(args.get(0), w1).add(b1));
                    Tensor logits = Jf.matmul(h, w2).add(b2);
                    Tensor picked = Jf.logSoftmax(logits).mul(Jf.oneHot(args.get(1), 10));
                    Tensor loss = Jf.reduceMean(Jf.reduceSum(picked, 1)).neg();
                    List<Tensor> grads = tape.gradient(loss, params);
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).assignSub(grads.get(i).mul(0.01f));
                    }
                    return List.of(loss);
                }
            });
            Tensor x = Jf.randomUniform(new int[] {128, 784}, 0, 1, 4, DType.FLOAT32);
            Tensor labels = Jf.cast(Jf.randomUniform(new int[] {128}, 0, 10, 5, DType.FLOAT32), DType.INT32);
            return new Mlp(step, x, labels);
        }
    }

    /**
     * Keras fit of the 784-128-10 relu model with Adam, batch 32, on 8,000 MNIST images: the median
     * epoch once HotSpot has compiled the generated code (its first epochs run partly interpreted).
     */
    static double mnistSamplesPerSecond(int warmup, int epochs) {
        io.jitflow.data.Mnist data = io.jitflow.examples.MnistClassifier.data();
        io.jitflow.keras.Sequential model = new io.jitflow.keras.Sequential(new io.jitflow.keras.layers.Input(28, 28),
                new io.jitflow.keras.layers.Flatten(), new io.jitflow.keras.layers.Dense(128, "relu"),
                new io.jitflow.keras.layers.Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        int n = data.trainImages().shape()[0];
        double t = median(warmup, epochs, () -> model.fit(data.trainImages(), data.trainLabels(),
                io.jitflow.keras.FitOptions.epochs(1).batchSize(32).verbose(0)));
        return n / t;
    }

    private static double trainingStepCompileMillis() {
        Mlp mlp = Mlp.create();
        long start = System.nanoTime();
        mlp.step().compile(mlp.x(), mlp.labels());
        return (System.nanoTime() - start) / 1e6;
    }

    private static String[] trainingSteps(int reps) {
        Mlp mlp = Mlp.create();
        int steps = 20;
        double t = median(5, reps, () -> {
            for (int i = 0; i < steps; i++) {
                mlp.step().callAll(mlp.x(), mlp.labels());
            }
        });
        return new String[] {"B5", "MLP 784-128-10 training step, batch 128, compiled", fmt(steps / t) + " steps/s", ""};
    }
}
