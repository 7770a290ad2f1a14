package io.jitflow.cli;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.bench.MachineRoofs;
import io.jitflow.bench.OnnxRuntimeSession;
import io.jitflow.bench.OpenBlas;
import io.jitflow.bench.PythonPeer;
import io.jitflow.ir.DType;
import io.jitflow.runtime.KernelThreads;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code jitflow bench --peers}: each workload beside its peers in this same run, interleaved
 * round by round (OpenBLAS through JavaCPP and ONNX Runtime in this JVM, NumPy in a python3
 * process), with this machine's FMA and memory roofs measured in the run too; every ratio is
 * checked against the performance issue's target and marked PASS or FAIL. A peer that cannot run
 * says why, and its targets are marked as not measured.
 */
final class PeerBenchmarks {
    /** One line of the table: the workload, Jitflow's figure, the peer's, the ratio, the target, the verdict (null: not measured). */
    private record Row(String workload, String ours, String peer, String ratio, String target, Boolean pass) {
    }

    private final ConvBenchmarks.Timer timer;
    private final int reps;
    private final int rounds;
    private final Path home;
    private final int cores = KernelThreads.count();
    private final List<Row> rows = new ArrayList<>();
    private double fmaOne;
    private double fmaAll;
    private double triadAll;

    private PeerBenchmarks(ConvBenchmarks.Timer timer, boolean quick) {
        this.timer = timer;
        this.reps = quick ? 3 : 7;
        this.rounds = quick ? 1 : 3;
        this.home = Path.of(System.getProperty("jitflow.home", "."));
    }

    static void run(ConvBenchmarks.Timer timer, boolean quick, PrintStream out) throws IOException {
        PeerBenchmarks b = new PeerBenchmarks(timer, quick);
        b.roofs(out);
        b.trainingStep();
        b.forwardAgainstOnnxRuntime();
        b.fit(quick);
        b.matmuls(quick);
        b.elementwise();
        b.eagerAdd();
        b.compile();
        b.convnets(quick);
        b.print(out);
    }

    /**
     * {@code jitflow bench --profile}: B5's training step and the MNIST convnet's (Keras, batch 128)
     * with every kernel timed, each kernel against this machine's roofs, and the calls written to
     * {@code trace} as a Chrome trace.
     */
    static void profile(ConvBenchmarks.Timer timer, Path trace, PrintStream out) throws IOException {
        io.jitflow.runtime.KernelProfile.enable();
        PeerBenchmarks b = new PeerBenchmarks(timer, true);
        b.roofs(out);
        BenchCommand.Mlp mlp = BenchCommand.Mlp.create();
        Runnable step = () -> mlp.step().callAll(mlp.x(), mlp.labels());
        timer.seconds(200, 1, step);
        io.jitflow.runtime.KernelProfile.reset();
        int steps = 200;
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        out.printf("%nB5 MLP 784-128-10 training step, batch 128: %d steps%n", steps);
        out.print(io.jitflow.runtime.KernelProfile.table(b.fmaAll, b.triadAll));
        io.jitflow.data.Mnist data = io.jitflow.examples.MnistClassifier.data();
        io.jitflow.keras.Sequential convnet = io.jitflow.examples.MnistConvnet.model();
        Tensor images = Jf.reshape(Jf.gather(data.trainImages(), Jf.range(0, 1024, 1), 0), -1, 28, 28, 1);
        Tensor labels = Jf.gather(data.trainLabels(), Jf.range(0, 1024, 1), 0);
        io.jitflow.keras.FitOptions oneEpoch = io.jitflow.keras.FitOptions.epochs(1).batchSize(128).verbose(0);
        convnet.fit(images, labels, oneEpoch);
        io.jitflow.runtime.KernelProfile.writeTrace(trace);
        // Seven more epochs before the one measured: a kernel whose loops run a few thousand times a
        // call (the dense layer's Adam update) is still interpreted after eight steps, where the
        // Vector API is a hundred times slower, and would be profiled as such.
        convnet.fit(images, labels, io.jitflow.keras.FitOptions.epochs(7).batchSize(128).verbose(0));
        io.jitflow.runtime.KernelProfile.reset();
        convnet.fit(images, labels, oneEpoch);
        out.printf("%nMNIST convnet (Keras fit), batch 128: %d steps%n", 1024 / 128);
        out.print(io.jitflow.runtime.KernelProfile.table(b.fmaAll, b.triadAll));
        out.printf("%nChrome trace of the MLP steps and the convnet's first epoch: %s (open it in chrome://tracing or"
                + " ui.perfetto.dev)%n", trace.toAbsolutePath());
    }

    private void roofs(PrintStream out) {
        fmaOne = MachineRoofs.fmaGflops(1);
        fmaAll = MachineRoofs.fmaGflops(cores);
        double triadOne = MachineRoofs.triadGigabytesPerSecond(1);
        triadAll = MachineRoofs.triadGigabytesPerSecond(cores);
        out.printf("roofs, measured now: float32 FMA %s GFLOP/s on 1 thread, %s on %d; memory (triad) %s GB/s on 1 thread,"
                + " %s on %d%n", fmt(fmaOne), fmt(fmaAll), cores, fmt(triadOne), fmt(triadAll), cores);
    }

    /** B5 interleaved with NumPy's same step, round by round; then its allocation per step and peak heap. */
    private void trainingStep() {
        BenchCommand.Mlp mlp = BenchCommand.Mlp.create();
        int steps = 20;
        Runnable twenty = () -> {
            for (int i = 0; i < steps; i++) {
                mlp.step().callAll(mlp.x(), mlp.labels());
            }
        };
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        PythonPeer numpy = null;
        for (int r = 0; r < rounds; r++) {
            ours[r] = steps / timer.seconds(5, reps, twenty);
            numpy = PythonPeer.run(home, Pattern.compile("steps/s ([0-9.]+)"), "numpy_peers.py", "step");
            theirs[r] = numpy.value();
        }
        rows.add(ratioRow("B5 MLP 784-128-10 training step, batch 128", ours, "steps/s", numpy.unavailable(), theirs, "NumPy", 1.5));
        long[] bytesAndPeak = allocationAndPeakHeap(twenty, 10);
        rows.add(new Row("B5 allocation per training step (all threads)", fmt(bytesAndPeak[0] / (steps * 10.0)) + " B", "",
                "", "< 1 KB", bytesAndPeak[0] / (steps * 10.0) < 1024));
        rows.add(new Row("B5 peak heap while stepping", fmt(bytesAndPeak[1] / 1e6) + " MB", "", "", "", null));
    }

    /**
     * Bytes allocated by every thread while {@code body} runs {@code runs} times, and the peak heap
     * meanwhile, after one run more and a collection: without one, the peak counted the garbage
     * earlier workloads left (B5 read 160-480 MB as the step allocated less).
     */
    static long[] allocationAndPeakHeap(Runnable body, int runs) {
        body.run();
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threads.getAllThreadIds();
        long before = Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
        for (int i = 0; i < runs; i++) {
            body.run();
        }
        long after = Arrays.stream(threads.getThreadAllocatedBytes(ids)).filter(b -> b > 0).sum();
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        return new long[] {after - before, peak};
    }

    private void forwardAgainstOnnxRuntime() throws IOException {
        rows.add(onnxRuntimeRow("B5 forward (MLP from ONNX), batch 128", OnnxBenchmarks.mlp(timer, reps * 20, rounds, 128),
                ">= 1.5x", 1.5));
    }

    /** B6 (Keras fit, Adam, batch 32) interleaved with bench/numpy_mlp.py's last epoch of three. */
    private void fit(boolean quick) {
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        PythonPeer numpy = null;
        for (int r = 0; r < rounds; r++) {
            ours[r] = BenchCommand.mnistSamplesPerSecond(quick ? 2 : 6, quick ? 2 : 3);
            numpy = PythonPeer.run(home, Pattern.compile("epoch \\d+: ([0-9.]+) samples/s"), "numpy_mlp.py", "3");
            theirs[r] = numpy.value();
        }
        rows.add(ratioRow("B6 Keras fit 784-128-10, Adam, batch 32", ours, "samples/s", numpy.unavailable(), theirs, "NumPy", 1.5));
    }

    /** B2 at 1024^3 and 2048^3 on 1 thread and on all, interleaved with OpenBLAS's sgemm; and as a fraction of the FMA roof. */
    private void matmuls(boolean quick) {
        String why = OpenBlas.unavailableReason();
        for (int n : quick ? new int[] {1024} : new int[] {1024, 2048}) {
            Tensor a = Jf.randomUniform(new int[] {n, n}, -1, 1, 2, DType.FLOAT32);
            Tensor b = Jf.randomUniform(new int[] {n, n}, -1, 1, 3, DType.FLOAT32);
            JitFunction f = Jit.function((Tensor x, Tensor y) -> x.matmul(y));
            double flops = 2.0 * n * n * n / 1e9;
            for (int threads : new int[] {1, cores}) {
                double[] ours = new double[rounds];
                double[] theirs = new double[rounds];
                try (OpenBlas blas = why == null ? new OpenBlas(n, a.toFloatArray(), b.toFloatArray()) : null) {
                    for (int r = 0; r < rounds; r++) {
                        double[] t = new double[1];
                        KernelThreads.withThreads(threads, () -> t[0] = timer.seconds(3, reps, () -> f.call(a, b)));
                        ours[r] = flops / t[0];
                        if (blas != null) {
                            OpenBlas.threads(threads);
                            theirs[r] = flops / timer.seconds(3, reps, blas::sgemm);
                        }
                    }
                }
                String what = "B2 sgemm " + n + "^3, " + threads + " thread" + (threads == 1 ? "" : "s");
                rows.add(ratioRow(what, ours, "GFLOP/s", why, theirs, "OpenBLAS", 1.0));
                double roof = threads == 1 ? fmaOne : fmaAll;
                double fraction = median(ours) / roof;
                rows.add(new Row(what + ", of the FMA roof", fmt(median(ours)) + " GFLOP/s", "roof " + fmt(roof) + " GFLOP/s",
                        fmt(100 * fraction) + "%", ">= 85%", fraction >= 0.85));
            }
        }
    }

    /**
     * B1 against the roof that bounds it and ONNX Runtime running the same chain exported to ONNX.
     * Per element the chain moves 8 bytes and does about {@link #CHAIN_FLOPS} flops (two
     * transcendental functions), so it is memory-bound where the FMA roof allows more elements per
     * second than the memory roof.
     */
    private void elementwise() throws IOException {
        int n = 4_194_304;
        Tensor x = Jf.randomUniform(new int[] {n}, -4, 4, 1, DType.FLOAT32);
        Tensor a = Jf.constant(1.5f);
        Tensor b = Jf.constant(-0.25f);
        JitFunction chain = Jit.function("chain", xs -> List.of(BenchCommand.chain(xs.get(0), xs.get(1), xs.get(2))));
        double seconds = timer.seconds(15, reps, () -> chain.callAll(x, a, b));
        double gigabytes = 8.0 * n / 1e9;
        double memoryBound = triadAll / 8;
        double computeBound = fmaAll / CHAIN_FLOPS;
        boolean memory = memoryBound < computeBound;
        double fraction = gigabytes / seconds / (memory ? triadAll : fmaAll / CHAIN_FLOPS * 8);
        rows.add(new Row("B1 elementwise chain, 4 M float32, " + (memory ? "memory-bound" : "compute-bound"),
                fmt(gigabytes / seconds) + " GB/s", memory ? "triad " + fmt(triadAll) + " GB/s"
                        : "FMA roof " + fmt(fmaAll / CHAIN_FLOPS * 8) + " GB/s", fmt(100 * fraction) + "% of the roof",
                ">= 70%", fraction >= 0.7));
        Path file = Files.createTempDirectory("jitflow-bench").resolve("chain.onnx");
        chain.writeOnnx(file, x, a, b);
        try (OnnxRuntimeSession ort = OnnxRuntimeSession.open(file, cores)) {
            List<String> names = Jit.load(file).function(io.jitflow.onnx.Onnx.FUNCTION_NAME).inputs().stream()
                    .map(v -> v.name()).toList();
            Runnable call = ort.prepare(Map.of(names.get(0), x.toHostTensor(), names.get(1), a.toHostTensor(),
                    names.get(2), b.toHostTensor()));
            double theirs = timer.seconds(15, reps, call);
            rows.add(new Row("B1 elementwise chain against ONNX Runtime", fmt(gigabytes / seconds) + " GB/s",
                    "ONNX Runtime " + fmt(gigabytes / theirs) + " GB/s", fmt(theirs / seconds) + "x", ">= 2x",
                    theirs / seconds >= 2));
        } catch (RuntimeException e) {
            rows.add(new Row("B1 elementwise chain against ONNX Runtime", fmt(gigabytes / seconds) + " GB/s",
                    "ONNX Runtime cannot run it: " + e.getMessage(), "", ">= 2x", null));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Flops per element of B1's chain: about 15 for the exp of sigmoid, 20 for tanh, 6 for the rest. */
    private static final double CHAIN_FLOPS = 41;

    private void eagerAdd() {
        double ours = BenchCommand.eagerAddMicros(reps);
        PythonPeer numpy = PythonPeer.run(home, Pattern.compile("us ([0-9.]+)"), "numpy_peers.py", "add");
        rows.add(numpy.ran()
                ? new Row("B3 eager add of two 4-element tensors", fmt(ours) + " us", "NumPy " + fmt(numpy.value()) + " us",
                        fmt(numpy.value() / ours) + "x", "<= NumPy's time", ours <= numpy.value())
                : new Row("B3 eager add of two 4-element tensors", fmt(ours) + " us", numpy.unavailable(), "",
                        "<= NumPy's time", null));
    }

    /** B4 in this warm JVM (a new function each time, so each traces afresh), and a fresh JVM's first call. */
    private void compile() {
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            BenchCommand.Mlp mlp = BenchCommand.Mlp.create();
            long start = System.nanoTime();
            mlp.step().compile(mlp.x(), mlp.labels());
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        rows.add(new Row("B4 trace + compile of the B5 step, warm JVM", fmt(median(ms)) + " ms", "", "", "<= 100 ms",
                median(ms) <= 100));
        // Three fresh JVMs, after a collection here so that this JVM's own background work competes less on few cores.
        System.gc();
        double[] runs = new double[3];
        String failure = null;
        for (int i = 0; i < runs.length && failure == null; i++) {
            String fresh = FirstCall.inFreshJvm();
            if (fresh.matches("[0-9.]+")) {
                runs[i] = Double.parseDouble(fresh);
            } else {
                failure = fresh;
            }
        }
        double first = median(runs);
        rows.add(new Row("B4 first call in a fresh JVM (trace + compile + run)", failure != null ? failure : fmt(first)
                + " ms", "", failure != null ? "" : "median of " + fmt(runs[0]) + ", " + fmt(runs[1]) + ", " + fmt(runs[2]),
                "< 1 s", failure != null ? null : first < 1000));
    }

    /** The MNIST convnet's inference and the ResNet-50 shape, both from ONNX, against ONNX Runtime. */
    private void convnets(boolean quick) throws IOException {
        rows.add(onnxRuntimeRow("MNIST convnet inference (from ONNX), batch 128",
                OnnxBenchmarks.mnistConvnet(timer, reps, rounds, 128), ">= 1.0x", 1.0));
        rows.add(onnxRuntimeRow("ResNet-50 shape inference (from ONNX), batch 1",
                OnnxBenchmarks.resnet50(timer, quick ? 2 : 5, rounds), ">= 0.67x (within 1.5x)", 1 / 1.5));
        double[] cnn = ConvBenchmarks.convnetSteps(timer, 1, quick ? 1 : 2);
        rows.add(new Row("MNIST convnet training step (Keras fit), batch 128", fmt(cnn[0]) + " steps/s", "", "",
                "", null));
        rows.add(new Row("its allocation per training step (all threads)", fmt(cnn[1] / 1e3) + " KB", "", "",
                "< 1 KB", cnn[1] < 1024));
        rows.add(new Row("peak heap while it trains", fmt(cnn[2]) + " MB", "", "", "", null));
    }

    /** A row of a model's inference beside ONNX Runtime's, round by round, against a speedup target. */
    private static Row onnxRuntimeRow(String what, OnnxBenchmarks.Result result, String targetText, double target) {
        return new Row(what, fmt(result.jitflowMillis()) + " ms", "ONNX Runtime " + fmt(result.onnxRuntimeMillis()) + " ms",
                fmt(result.speedup()) + "x" + perRound(result.roundSpeedups()), targetText, result.speedup() >= target);
    }

    /** Each round's ratio, where there are several. */
    private static String perRound(double[] ratios) {
        return ratios.length > 1 ? " (rounds " + String.join(", ", Arrays.stream(ratios).mapToObj(PeerBenchmarks::fmt)
                .toList()) + ")" : "";
    }

    /**
     * A row comparing per-round figures (higher is better) with a peer's from the same rounds;
     * {@code peerMissing} says why the peer did not run (null when it did).
     */
    private static Row ratioRow(String what, double[] ours, String unit, String peerMissing, double[] theirs,
            String peerName, double target) {
        String targetText = ">= " + fmt(target) + "x";
        if (peerMissing != null) {
            return new Row(what, fmt(median(ours)) + " " + unit, peerMissing, "", targetText, null);
        }
        double[] ratios = new double[ours.length];
        for (int r = 0; r < ours.length; r++) {
            ratios[r] = ours[r] / theirs[r];
        }
        return new Row(what, fmt(median(ours)) + " " + unit, peerName + " " + fmt(median(theirs)) + " " + unit,
                fmt(median(ratios)) + "x" + perRound(ratios), targetText, median(ratios) >= target);
    }

    private void print(PrintStream out) {
        out.printf("%-58s %-18s %-32s %-34s %-22s %s%n", "workload", "Jitflow", "peer", "ratio", "target", "");
        int met = 0;
        int measured = 0;
        for (Row r : rows) {
            String verdict = r.pass() == null ? (r.target().isEmpty() ? "" : "not measured") : r.pass() ? "PASS" : "FAIL";
            out.printf("%-58s %-18s %-32s %-34s %-22s %s%n", r.workload(), r.ours(), r.peer(), r.ratio(), r.target(), verdict);
            if (r.pass() != null) {
                measured++;
                met += r.pass() ? 1 : 0;
            }
        }
        out.printf("%d of %d measured targets met (%d processors, %s %s)%n", met, measured,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String fmt(double v) {
        return BenchCommand.fmt(v);
    }
}
