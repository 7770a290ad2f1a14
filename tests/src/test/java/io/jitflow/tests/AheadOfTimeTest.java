package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.compiler.AheadOfTime;
import io.jitflow.CompiledGraph;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.Tensor;
import io.jitflow.data.Mnist;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.Value;
import io.jitflow.ir.npy.Npy;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import io.jitflow.runtime.aot.AotFormatException;
import io.jitflow.runtime.aot.AotModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Offline compilation: a graph file → a jar that the runtime alone runs, with the JIT's results. */
class AheadOfTimeTest {
    @TempDir
    Path dir;

    static Stream<Path> exampleGraphs() throws IOException {
        return Files.list(Repository.examples().resolve("graphs")).filter(p -> p.toString().endsWith(".jfg")).sorted();
    }

    @ParameterizedTest
    @MethodSource("exampleGraphs")
    void everyExampleRunsAsTheJitRunsIt(Path file) throws IOException {
        Path jar = dir.resolve("out.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        AotModule aot = AotModule.load(jar);
        CompiledGraph jit = Jit.load(file);
        assertEquals(jit.functionNames(), aot.functionNames());
        for (String name : jit.functionNames()) {
            Map<String, HostTensor> inputs = randomInputs(jit.function(name), new Random(name.hashCode()));
            assertSameResults(jit, aot, name, inputs, file.getFileName() + " @" + name);
        }
    }

    /**
     * Control flow in a jar: all_ops.jfg's cond, while and scan (nested regions, a symbolic scan
     * length), each region a class of its own and a PTX module of its own, run as the JIT runs them;
     * the manifest marks each op's launch as the host's.
     */
    @Test
    void controlFlowRunsAsTheJitRunsIt() throws IOException {
        Graph control = CompiledOpsTest.allOpsGraphs("original").stream()
                .filter(g -> g.functions().get(0).name().equals("control")).findFirst().orElseThrow();
        Path file = dir.resolve("control.jfg");
        io.jitflow.text.GraphFiles.write(control, file);
        Path jar = dir.resolve("control.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.ALL, Compiled.OPTIONS);
        String manifest = entry(jar, "jitflow/manifest.txt");
        assertEquals(3, manifest.lines().filter("launch - -"::equals).count(), "three host launches: " + manifest);
        assertEquals(5, manifest.lines().filter(l -> l.startsWith("region ")).count(), "five regions: " + manifest);
        AotModule aot = AotModule.load(jar);
        CompiledGraph jit = Jit.load(file);
        for (int seed = 0; seed < 4; seed++) {
            assertSameResults(jit, aot, "control", randomInputs(jit.function("control"), new Random(seed)),
                    "@control, seed " + seed);
        }
    }

    /**
     * A jar for CUDA holds each function's PTX (the module the differential tests run on the PTX
     * interpreter) and its launches; without the CPU code it refuses to load on the CPU.
     */
    @Test
    void aCudaJarHoldsThePtxAndItsLaunches() throws IOException {
        Path file = Repository.examples().resolve("graphs/mlp.jfg");
        Path jar = dir.resolve("mlp-cuda.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CUDA, Compiled.OPTIONS);
        io.jitflow.ir.Graph graph = io.jitflow.text.GraphFiles.read(file);
        io.jitflow.ir.Graph optimized = new io.jitflow.passes.PassManager(io.jitflow.passes.PassManager.defaultPasses())
                .run(graph);
        String manifest = entry(jar, "jitflow/manifest.txt");
        for (int i = 0; i < graph.functions().size(); i++) {
            KernelProgram program = Compiled.lower(optimized.functions().get(i), optimized.inferenceContext());
            assertEquals(io.jitflow.cuda.PtxGenerator.generate(program), entry(jar, "jitflow/ptx/" + i + ".ptx"));
            for (io.jitflow.runtime.cuda.CudaCode.Launch launch : io.jitflow.cuda.LaunchPlan.launches(program)) {
                assertTrue(manifest.contains("\nlaunch " + launch.entry() + " "), manifest);
            }
        }
        assertTrue(!manifest.contains(".class") && !manifest.contains("io.jitflow.aot.Function"), manifest);
        io.jitflow.runtime.aot.AotFormatException e = assertThrows(io.jitflow.runtime.aot.AotFormatException.class,
                () -> AotModule.load(jar));
        assertEquals(jar + ": function probabilities was compiled for CUDA only (load it on a CUDA device, or compile "
                + "with --target cpu or all)", e.getMessage());
        if (!io.jitflow.runtime.cuda.Cuda.isAvailable()) {
            assertThrows(io.jitflow.runtime.cuda.CudaUnavailableException.class,
                    () -> AotModule.load(jar, io.jitflow.runtime.Device.cuda(0)));
        }
    }

    @Test
    void aSavedModelPredictsTrainsAndEvaluatesAsTheJitDoes() throws IOException {
        Path file = trainedMnistModel();
        Path jar = dir.resolve("mnist.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        AotModule aot = AotModule.load(jar);
        CompiledGraph jit = Jit.load(file);
        assertEquals(List.of("predict", "train_step", "test_step"), aot.functionNames());
        Mnist data = Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        HostTensor x = Jf.gather(data.testImages(), Jf.range(0, 64, 1), 0).toHostTensor();
        HostTensor labels = Jf.gather(data.testLabels(), Jf.range(0, 64, 1), 0).toHostTensor();
        assertSameResults(jit, aot, "predict", Map.of("x", x), "predict");
        assertSameResults(jit, aot, "test_step", Map.of("x", x, "labels", labels), "test_step");
        for (int step = 0; step < 3; step++) {
            assertSameResults(jit, aot, "train_step", Map.of("x", x, "labels", labels), "train_step " + step);
        }
        for (io.jitflow.ir.Variable v : jit.graph().variables()) {
            Differential.assertSame(jit.variable(v.name()).toHostTensor(), aot.variable(v.name()), v.name() + " after training");
        }
    }

    @Test
    void theJarRunsWithNoCompilerOnTheClassPath() throws Exception {
        Path file = Repository.examples().resolve("graphs/mlp.jfg");
        Path jar = dir.resolve("mlp.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        CompiledGraph jit = Jit.load(file);
        Function f = jit.function(jit.functionNames().get(0));
        Map<String, HostTensor> inputs = randomInputs(f, new Random(7));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djitflow.exact=" + Boolean.getBoolean("jitflow.exact"), "-cp", Repository.classPathOf(
                        AotModule.class, HostTensor.class, ExecWithoutCompiler.class),
                ExecWithoutCompiler.class.getName(), jar.toString(), f.name(), dir.toString()));
        for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
            Path npy = dir.resolve("in_" + e.getKey() + ".npy");
            Npy.write(e.getValue(), npy);
            command.add(e.getKey() + "=" + npy);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), log);
        assertEquals(0, p.exitValue(), log);
        for (String name : ExecWithoutCompiler.COMPILER_CLASSES) {
            assertTrue(log.contains("absent: " + name), log);
        }
        Map<String, Tensor> expected = jit.call(f.name(), tensors(inputs));
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            Differential.assertSame(e.getValue().toHostTensor(), Npy.read(dir.resolve(e.getKey() + ".npy")), e.getKey());
        }
    }

    @Test
    void jarsAreReproducible() throws IOException {
        Path file = Repository.examples().resolve("graphs/mlp.jfg");
        AheadOfTime.compile(file, dir.resolve("a.jar"), AheadOfTime.Target.CPU, Compiled.OPTIONS);
        AheadOfTime.compile(file, dir.resolve("b.jar"), AheadOfTime.Target.CPU, Compiled.OPTIONS);
        assertEquals(java.util.Arrays.toString(Files.readAllBytes(dir.resolve("a.jar"))),
                java.util.Arrays.toString(Files.readAllBytes(dir.resolve("b.jar"))));
        long fixed = java.time.Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(dir.resolve("a.jar").toFile())) {
            jar.stream().forEach(e -> assertEquals(fixed, e.getTime(), e.getName() + " carries the fixed time, not the clock's"));
        }
    }

    @Test
    void badJarsAreRefusedWithAMessage() throws IOException {
        Path file = Repository.examples().resolve("graphs/linear.jfg");
        Path good = dir.resolve("linear.jar");
        AheadOfTime.compile(file, good, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        String manifest = entry(good, "jitflow/manifest.txt");
        assertRefused(jar("plain.jar", Map.of("a.txt", "hello")), "not a Jitflow AOT jar");
        assertRefused(jar("future.jar", Map.of("jitflow/manifest.txt", manifest.replace("jitflow-aot 5", "jitflow-aot 9"))),
                "AOT format version 9 is not supported");
        assertRefused(jar("noclass.jar", Map.of("jitflow/manifest.txt", manifest)), "the class of function linear is missing");
        assertRefused(jar("garbled.jar", Map.of("jitflow/manifest.txt", manifest.replace("buffer 1 INPUT", "buffer 1 INPUT?"))),
                "manifest.txt:5: malformed manifest record 'buffer 1 INPUT? float32 3,2 W'");
        assertRefused(jar("unknown.jar", Map.of("jitflow/manifest.txt", manifest + "kernel 0\n")),
                "unknown manifest record 'kernel'");
        AotModule module = AotModule.load(good);
        var wrong = assertThrows(io.jitflow.ir.IrException.class, () -> module.call("linear", Map.of("x",
                HostTensor.zeros(DType.FLOAT64, 2, 3))));
        assertTrue(wrong.getMessage().contains("input 'x' has dtype float64, expected float32"), wrong.getMessage());
    }

    @Test
    void aFailedCompileLeavesTheOldJarIntact() throws IOException {
        Path jar = dir.resolve("model.jar");
        AheadOfTime.compile(Repository.examples().resolve("graphs/linear.jfg"), jar, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        byte[] before = Files.readAllBytes(jar);
        Path broken = dir.resolve("broken.jfg");
        Files.writeString(broken, "jitflow 1 opset 1\nfunc @f(%x : float32[2]) -> (y : float32[2]) {\n  return %x\n");
        assertThrows(Exception.class, () -> AheadOfTime.compile(broken, jar, AheadOfTime.Target.CPU, Compiled.OPTIONS));
        assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(Files.readAllBytes(jar)));
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    /** A convnet's jar (CPU and CUDA) predicts and trains as the JIT does, bit for bit. */
    @Test
    void aSavedConvnetCompilesAheadOfTime() throws IOException {
        Jf.setRandomSeed(5);
        Sequential model = new Sequential(new io.jitflow.keras.layers.Input(8, 8, 2),
                new io.jitflow.keras.layers.Conv2D(4, 3, "relu"), new io.jitflow.keras.layers.BatchNormalization(),
                new io.jitflow.keras.layers.MaxPooling2D(),
                new io.jitflow.keras.layers.DepthwiseConv2D(new int[] {2, 2}, new int[] {1, 1}, "same", 2, "relu"),
                new io.jitflow.keras.layers.Conv2DTranspose(3, new int[] {2, 2}, new int[] {2, 2}, "same", "linear"),
                new io.jitflow.keras.layers.UpSampling2D(2).interpolation("bilinear"), new Flatten(),
                new Dense(3, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.randomUniform(new int[] {16, 8, 8, 2}, -1, 1, 3, io.jitflow.ir.DType.FLOAT32);
        Tensor labels = Jf.cast(Jf.randomUniform(new int[] {16}, 0, 3, 4, io.jitflow.ir.DType.FLOAT32),
                io.jitflow.ir.DType.INT32);
        model.fit(x, labels, FitOptions.epochs(1).batchSize(8).verbose(0));
        Path file = dir.resolve("convnet.jfg");
        model.save(file);
        Path jar = dir.resolve("convnet.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.ALL, Compiled.OPTIONS);
        AotModule aot = AotModule.load(jar);
        CompiledGraph jit = Jit.load(file);
        Map<String, HostTensor> batch = Map.of("x", x.toHostTensor(), "labels", labels.toHostTensor());
        assertSameResults(jit, aot, "predict", Map.of("x", x.toHostTensor()), "predict");
        for (int step = 0; step < 2; step++) {
            assertSameResults(jit, aot, "train_step", batch, "train_step " + step);
        }
    }

    private Path trainedMnistModel() throws IOException {
        Mnist data = Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Jf.setRandomSeed(11);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(32, "relu"), new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        model.fit(Jf.gather(data.trainImages(), Jf.range(0, 256, 1), 0), Jf.gather(data.trainLabels(), Jf.range(0, 256, 1), 0),
                FitOptions.epochs(1).verbose(0));
        Path file = dir.resolve("mnist.jfg");
        model.save(file);
        return file;
    }

    private static void assertSameResults(CompiledGraph jit, AotModule aot, String function, Map<String, HostTensor> inputs,
                                          String what) {
        Map<String, HostTensor> actual = aot.call(function, inputs);
        Map<String, Tensor> expected = jit.call(function, tensors(inputs));
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((name, e) -> Differential.assertSame(e.toHostTensor(), actual.get(name), what + ", output " + name));
    }

    private static Map<String, Tensor> tensors(Map<String, HostTensor> values) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        values.forEach((k, v) -> tensors.put(k, Tensor.of(v)));
        return tensors;
    }

    /** Inputs of the declared types, with every symbolic dim 5; integers in [0, 2), floats in [-3, 3). */
    private static Map<String, HostTensor> randomInputs(Function f, Random random) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Value in : f.inputs()) {
            int[] shape = in.type().shape().dims().stream().mapToInt(d -> d.isStatic() ? d.size() : 5).toArray();
            inputs.put(in.name(), RandomTensors.of(in.type().dtype(), shape, random, 0, 1, false));
        }
        return inputs;
    }

    private static String entry(Path jar, String name) throws IOException {
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(jar.toFile())) {
            return new String(f.getInputStream(f.getEntry(name)).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Path jar(String name, Map<String, String> entries) throws IOException {
        Path jar = dir.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    private static void assertRefused(Path jar, String message) {
        AotFormatException e = assertThrows(AotFormatException.class, () -> AotModule.load(jar));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
