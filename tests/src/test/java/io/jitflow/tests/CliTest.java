package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cli.Jitflow;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.npy.Npy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jitflow command end to end on the examples: exit codes, outputs and messages. */
class CliTest {
    @TempDir
    Path tmp;

    /** The exit code and what the command printed. */
    record Result(int code, String out, String err) {
    }

    static Result jitflow(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Jitflow.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<Path> exampleGraphs() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Repository.examples().resolve("graphs"), "*.jfg")) {
            s.forEach(files::add);
        }
        assertTrue(files.size() >= 3, "the examples folder holds the linear model, the MLP and the loss");
        return files;
    }

    @Test
    void checkAcceptsEveryExample() throws IOException {
        for (Path file : exampleGraphs()) {
            Result r = jitflow("check", file.toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains(": ok ("), r.out());
        }
    }

    @Test
    void fmtIsIdempotentOnEveryExample() throws IOException {
        for (Path file : exampleGraphs()) {
            Result first = jitflow("fmt", file.toString());
            assertEquals(0, first.code(), first.err());
            Path formatted = tmp.resolve(file.getFileName());
            Files.writeString(formatted, first.out());
            Result second = jitflow("fmt", formatted.toString());
            assertEquals(first.out(), second.out(), "formatting " + file + " twice changes it");
        }
    }

    @Test
    void runWritesNumPyReadableOutputsEqualToNumPy() throws IOException {
        Path data = Repository.examples().resolve("data/linear");
        Result r = jitflow("run", Repository.examples().resolve("graphs/linear.jfg").toString(),
                "--input", "x=" + data.resolve("x.npy"), "--input", "W=" + data.resolve("W.npy"),
                "--input=b=" + data.resolve("b.npy"), "--output-dir", tmp.resolve("out").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("y.npy: float32[4, 2]"), r.out());
        HostTensor y = Npy.read(tmp.resolve("out/y.npy"));
        HostTensor expected = Npy.read(data.resolve("expected_y.npy"));
        assertEquals(expected, y, "bit-identical to NumPy's x @ W + b");
        assertEquals(new String(Files.readAllBytes(data.resolve("expected_y.npy")), StandardCharsets.ISO_8859_1),
                new String(Files.readAllBytes(tmp.resolve("out/y.npy")), StandardCharsets.ISO_8859_1),
                "the file itself is byte-identical to the one NumPy wrote");
    }

    @Test
    void runTakesADevice() throws IOException {
        Path data = Repository.examples().resolve("data/linear");
        String[] inputs = {"--input", "x=" + data.resolve("x.npy"), "--input", "W=" + data.resolve("W.npy"),
            "--input", "b=" + data.resolve("b.npy")};
        String graph = Repository.examples().resolve("graphs/linear.jfg").toString();
        java.util.List<String> cpu = new java.util.ArrayList<>(java.util.List.of("run", graph, "--device", "cpu",
                "--output-dir", tmp.resolve("cpu").toString()));
        cpu.addAll(java.util.List.of(inputs));
        Result onCpu = jitflow(cpu.toArray(new String[0]));
        assertEquals(0, onCpu.code(), onCpu.err());
        assertEquals(Npy.read(data.resolve("expected_y.npy")), Npy.read(tmp.resolve("cpu/y.npy")));
        java.util.List<String> cuda = new java.util.ArrayList<>(java.util.List.of("run", graph, "--device", "cuda:0",
                "--output-dir", tmp.resolve("cuda").toString()));
        cuda.addAll(java.util.List.of(inputs));
        Result onCuda = jitflow(cuda.toArray(new String[0]));
        if (io.jitflow.runtime.cuda.Cuda.isAvailable()) {
            assertEquals(0, onCuda.code(), onCuda.err());
            assertEquals(Npy.read(data.resolve("expected_y.npy")), Npy.read(tmp.resolve("cuda/y.npy")));
        } else {
            assertEquals(1, onCuda.code());
            assertTrue(onCuda.err().startsWith("jitflow run: error: no CUDA device can be used: "), onCuda.err());
        }
        Result unknown = jitflow("run", graph, "--device", "tpu", "--output-dir", tmp.toString());
        assertEquals(2, unknown.code(), unknown.err());
        assertTrue(unknown.err().startsWith("jitflow run: --device: unknown device 'tpu' (expected cpu, cuda or cuda:N)"),
                unknown.err());
    }

    @Test
    void runChoosesAFunctionByName() {
        Path x = tmp.resolve("x.npy");
        try {
            Npy.write(HostTensor.of(new float[] {1, 0, 0, 0}, 1, 4), x);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        String mlp = Repository.examples().resolve("graphs/mlp.jfg").toString();
        Result ambiguous = jitflow("run", mlp, "--input", "x=" + x, "--output-dir", tmp.toString());
        assertEquals(1, ambiguous.code());
        assertTrue(ambiguous.err().contains("has 2 functions (probabilities, predict); choose one with --function NAME"),
                ambiguous.err());
        Result r = jitflow("run", mlp, "--function", "predict", "--input", "x=" + x, "--output-dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("class.npy: int64[1]"), r.out());
    }

    @Test
    void inputMistakesAreUserErrorsWithClearMessages() throws IOException {
        Path data = Repository.examples().resolve("data/linear");
        String linear = Repository.examples().resolve("graphs/linear.jfg").toString();
        String out = tmp.toString();
        Result missing = jitflow("run", linear, "--input", "x=" + data.resolve("x.npy"), "--input",
                "W=" + data.resolve("W.npy"), "--output-dir", out);
        assertEquals(1, missing.code());
        assertEquals("jitflow run: error: function @linear: missing input 'b' of type float32[2]\n", missing.err());
        Result extra = jitflow("run", linear, "--input", "x=" + data.resolve("x.npy"), "--input",
                "W=" + data.resolve("W.npy"), "--input", "b=" + data.resolve("b.npy"), "--input",
                "z=" + data.resolve("b.npy"), "--output-dir", out);
        assertEquals(1, extra.code());
        assertTrue(extra.err().contains("function @linear has no input 'z' (inputs: x, W, b)"), extra.err());
        Path wrongType = tmp.resolve("x64.npy");
        Npy.write(HostTensor.of(new double[] {1, 2, 3}, 1, 3), wrongType);
        Result mistyped = jitflow("run", linear, "--input", "x=" + wrongType, "--input", "W=" + data.resolve("W.npy"),
                "--input", "b=" + data.resolve("b.npy"), "--output-dir", out);
        assertEquals(1, mistyped.code());
        assertTrue(mistyped.err().contains("input 'x' has dtype float64, expected float32"), mistyped.err());
        assertFalse(mistyped.err().contains("\tat "), "no stack trace without --verbose");
        Result noFile = jitflow("run", linear, "--input", "x=" + tmp.resolve("nope.npy"), "--output-dir", out);
        assertEquals(1, noFile.code());
        assertTrue(noFile.err().contains("no such file: " + tmp.resolve("nope.npy")), noFile.err());
    }

    @Test
    void malformedFilesReportTheirLocation() throws IOException {
        Path bad = tmp.resolve("bad.jfg");
        Files.writeString(bad, "jitflow 1 opset 1\nfunc @f(%x : float32[2]) -> (y : float32[2]) {\n  %0 = nope(%x) : float32[2]\n"
                + "  return %0\n}\n");
        Result r = jitflow("check", bad.toString());
        assertEquals(1, r.code());
        assertEquals("jitflow check: error: " + bad + ":3:8: unknown op 'nope'\n", r.err());
        Result verbose = jitflow("check", bad.toString(), "--verbose");
        assertTrue(verbose.err().contains("\tat io.jitflow.text.GraphParser"), "--verbose shows the stack trace");
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(2, jitflow().code());
        Result unknown = jitflow("frobnicate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
        Result noFile = jitflow("check");
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains("jitflow check: missing FILE\nusage: jitflow check FILE"), noFile.err());
        Result badInput = jitflow("run", "x.jfg", "--input", "x", "--output-dir", "out");
        assertEquals(2, badInput.code());
        assertTrue(badInput.err().contains("--input expects NAME=PATH.npy, got 'x'"), badInput.err());
        Result option = jitflow("fmt", "x.jfg", "--bogus");
        assertEquals(2, option.code());
        assertTrue(option.err().contains("unknown option --bogus"), option.err());
        Result help = jitflow("help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("run     FILE [--function NAME] --input NAME=PATH.npy ... --output-dir DIR"), help.out());
    }

    @Test
    void compileThenExecGivesTheSameFileAsRun() throws IOException {
        Path data = Repository.examples().resolve("data/linear");
        Path jar = tmp.resolve("linear.jar");
        Result compiled = jitflow("compile", Repository.examples().resolve("graphs/linear.jfg").toString(), "-o", jar.toString());
        assertEquals(0, compiled.code(), compiled.err());
        assertTrue(compiled.out().contains("linear.jar: "), compiled.out());
        Result r = jitflow("exec", jar.toString(), "--input", "x=" + data.resolve("x.npy"), "--input", "W=" + data.resolve("W.npy"),
                "--input", "b=" + data.resolve("b.npy"), "--output-dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(Npy.read(data.resolve("expected_y.npy")), Npy.read(tmp.resolve("y.npy")), "bit-identical to NumPy's x @ W + b");

        Result all = jitflow("compile", Repository.examples().resolve("graphs/linear.jfg").toString(), "-o", jar.toString(),
                "--target", "all");
        assertEquals(0, all.code(), all.err());
        Result again = jitflow("exec", jar.toString(), "--input", "x=" + data.resolve("x.npy"), "--input", "W=" + data.resolve("W.npy"),
                "--input", "b=" + data.resolve("b.npy"), "--output-dir", tmp.toString());
        assertEquals(Npy.read(data.resolve("expected_y.npy")), Npy.read(tmp.resolve("y.npy")), "the CPU code of an 'all' jar");
        if (!io.jitflow.runtime.cuda.Cuda.isAvailable()) {
            Result noGpu = jitflow("exec", jar.toString(), "--device", "cuda", "--output-dir", tmp.toString());
            assertEquals(1, noGpu.code());
            assertTrue(noGpu.err().startsWith("jitflow exec: error: no CUDA device can be used: "), noGpu.err());
        }
        Result gpu = jitflow("compile", Repository.examples().resolve("graphs/linear.jfg").toString(), "-o", jar.toString(),
                "--target", "gpu");
        assertEquals(2, gpu.code());
        assertTrue(gpu.err().contains("unknown --target 'gpu' (expected cpu, cuda or all)"), gpu.err());
        Result noJar = jitflow("exec", tmp.resolve("missing.jar").toString(), "--output-dir", tmp.toString());
        assertEquals(1, noJar.code());
        Result mlp = jitflow("compile", Repository.examples().resolve("graphs/mlp.jfg").toString(), "-o", jar.toString());
        assertEquals(0, mlp.code(), mlp.err());
        Result ambiguous = jitflow("exec", jar.toString(), "--output-dir", tmp.toString());
        assertEquals(1, ambiguous.code());
        assertTrue(ambiguous.err().contains("has 2 functions (probabilities, predict); choose one with --function NAME"),
                ambiguous.err());
    }

    @Test
    void showSummarizesAndDrawsWithKernelsOutlined() throws Exception {
        String mlp = Repository.examples().resolve("graphs/mlp.jfg").toString();
        Result plain = jitflow("show", mlp, "--function", "predict", "--output-dir", tmp.toString());
        assertEquals(0, plain.code(), plain.err());
        assertTrue(plain.out().contains("2 function(s), 4 variable(s), 67 parameters"), plain.out());
        assertTrue(plain.out().contains("@predict(x: float32[batch, 4]) -> (class: int64[batch])"), plain.out());
        assertTrue(plain.out().contains("10 nodes: read_variable 4, add 2, matmul 2, argmax 1, relu 1"), plain.out());
        assertFalse(plain.out().contains("probabilities("), "--function picks one function");
        String dot = Files.readString(tmp.resolve("mlp.predict.dot"));
        assertFalse(dot.contains("subgraph"), dot);
        assertTrue(dot.contains("n0 [label=\"{input x|float32[batch, 4]}\"];"), dot);

        Result fused = jitflow("show", mlp, "--function", "predict", "--kernels", "--output-dir", tmp.toString());
        assertEquals(0, fused.code(), fused.err());
        assertTrue(fused.out().contains("3 kernel(s):\n    kernel 0 (matmul): %h0, %h, %h1\n    kernel 1 (matmul): %z0\n"
                + "    kernel 2 (reduce): %class, %z\n"), fused.out());
        assertTrue(Files.readString(tmp.resolve("mlp.predict.dot")).contains("subgraph cluster_2 {\n    label=\"kernel 2 (reduce)\""));
        var svg = javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(tmp.resolve("mlp.predict.svg").toFile());
        // 1 input, 10 nodes and 1 output as boxes, plus one outline per kernel.
        assertEquals(12 + 3, svg.getElementsByTagName("rect").getLength());
        assertEquals(3, svg.getElementsByTagName("g").getLength());
    }

    @Test
    void optPrintsPtxForTheCudaTarget() throws IOException {
        Result r = jitflow("opt", Repository.examples().resolve("graphs/linear.jfg").toString(), "--target", "cuda");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(".version 7.0\n.target sm_70\n.address_size 64\n"), r.out());
        assertTrue(r.out().contains(".visible .entry k0_xw("), r.out());
        Result mlp = jitflow("opt", Repository.examples().resolve("graphs/mlp.jfg").toString(), "--target", "cuda");
        assertEquals(0, mlp.code(), mlp.err());
        assertTrue(mlp.out().contains("fma.rn.f64"), "softmax's exp is an inlined routine");
        Path power = tmp.resolve("power.jfg");
        Files.writeString(power, "jitflow 1 opset 1\n\nfunc @wave(%x : float64[n]) -> (y : int64[]) {\n"
                + "  %y = argmax(%x) {axis = 0} : int64[]\n  return %y\n}\n");
        Result unsupported = jitflow("opt", power.toString(), "--target", "cuda");
        assertEquals(1, unsupported.code());
        assertTrue(unsupported.err().contains("kernel 0 (%y) of @wave: the CUDA backend does not support argmax over an axis that may be "
                + "empty yet"), unsupported.err());
    }

    @Test
    void bindSpecializesSymbolicDims() throws IOException {
        Path linear = Repository.examples().resolve("graphs/linear.jfg");
        Result r = jitflow("opt", linear.toString(), "--bind", "batch=8");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("func @linear(%x : float32[8, 3], %W : float32[3, 2], %b : float32[2]) -> "
                + "(y : float32[8, 2])"), r.out());
        Result bad = jitflow("opt", linear.toString(), "--bind", "batch");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--bind: bad dim binding 'batch' (expected NAME=SIZE, e.g. batch=32)"), bad.err());
        Path jar = tmp.resolve("linear8.jar");
        Result compiled = jitflow("compile", linear.toString(), "-o", jar.toString(), "--bind", "batch=8");
        assertEquals(0, compiled.code(), compiled.err());
    }

    @Test
    void exportAndImportCarryAGraphThroughOnnx() throws IOException {
        Path mlp = Repository.examples().resolve("graphs/mlp.jfg");
        Path onnx = tmp.resolve("mlp.onnx");
        Result several = jitflow("export", mlp.toString(), "-o", onnx.toString());
        assertEquals(2, several.code(), several.err());
        assertTrue(several.err().contains("has 2 functions; choose one with --function"), several.err());
        Result exported = jitflow("export", mlp.toString(), "--function", "predict", "-o", onnx.toString());
        assertEquals(0, exported.code(), exported.err());
        assertTrue(exported.out().contains("@predict as ONNX opset 19"), exported.out());
        Path back = tmp.resolve("mlp.jfg");
        Result imported = jitflow("import", onnx.toString(), "-o", back.toString());
        assertEquals(0, imported.code(), imported.err());
        assertTrue(imported.out().contains("@main(x: float32[batch, 4]) -> (class: int64[batch])"), imported.out());
        Result checked = jitflow("check", onnx.toString());
        assertEquals(0, checked.code(), checked.err());

        Path reshape = Repository.root().resolve("tests/src/test/resources/onnx-node/test_reshape_extended_dims/model.onnx");
        Result unbound = jitflow("import", reshape.toString(), "-o", tmp.resolve("r.jfg").toString());
        assertEquals(1, unbound.code());
        assertTrue(unbound.err().contains("model input 'shape' decides a result's shape")
                && unbound.err().contains("jitflow import --input NAME=FILE.npy"), unbound.err());
        Path shape = tmp.resolve("shape.npy");
        io.jitflow.ir.npy.Npy.write(io.jitflow.onnx.Onnx.readTensor(reshape.resolveSibling("test_data_set_0/input_1.pb")),
                shape);
        Result bound = jitflow("import", reshape.toString(), "-o", tmp.resolve("r.jfg").toString(),
                "--input", "shape=" + shape);
        assertEquals(0, bound.code(), bound.err());
        assertTrue(bound.out().contains("-> (reshaped: float32[2, 3, 2, 2])"), bound.out());
    }

    @Test
    void theDemoRunsAndAgreesWithNumPy() {
        Result r = jitflow("demo", Repository.examples().toString(), "--quick");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("[7/9] The classic Keras MNIST convnet, 1 epoch (--quick)"), r.out());
        assertTrue(r.out().contains("bit-identical to NumPy's result: yes"), r.out());
        assertTrue(r.out().contains("predicted classes: [2 0 1 0]"), r.out());
        assertTrue(r.out().contains("test images equal the JIT's bit for bit: yes"), r.out());
        assertTrue(r.out().contains("its 3 outputs differ from ONNX's reference outputs by at most 0.0"), r.out());
        assertTrue(r.out().matches("(?s).*read back predicts the 2,000 test images as the model does: bit for bit.*"),
                r.out());
    }

    @Test
    void runCompilesByDefaultAndInterpretsOnRequest() throws IOException {
        Path data = Repository.examples().resolve("data/linear");
        String[] common = {Repository.examples().resolve("graphs/linear.jfg").toString(), "--input",
                "x=" + data.resolve("x.npy"), "--input", "W=" + data.resolve("W.npy"), "--input", "b=" + data.resolve("b.npy")};
        List<String> compiled = new ArrayList<>(List.of("run"));
        compiled.addAll(List.of(common));
        compiled.addAll(List.of("--output-dir", tmp.resolve("compiled").toString()));
        List<String> interpreted = new ArrayList<>(compiled.subList(0, compiled.size() - 1));
        interpreted.add(tmp.resolve("interpreted").toString());
        interpreted.add("--interpret");
        assertEquals(0, jitflow(compiled.toArray(new String[0])).code());
        assertEquals(0, jitflow(interpreted.toArray(new String[0])).code());
        assertEquals(Npy.read(tmp.resolve("interpreted/y.npy")), Npy.read(tmp.resolve("compiled/y.npy")));
    }

    @Test
    void optPrintsTheOptimizedGraphAndKernelsAndDumpsAfterPasses() {
        Result r = jitflow("opt", Repository.examples().resolve("graphs/mlp.jfg").toString(), "--dump-after", "cse");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("# after cse\nfunc @probabilities"), r.out());
        assertTrue(r.out().contains("kernel program @predict (3 kernels)"), r.out());
        Result bad = jitflow("opt", Repository.examples().resolve("graphs/mlp.jfg").toString(), "--dump-after", "nope");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("cannot dump after 'nope': no such stage (stages: canonicalize, fold-constants, fold-cond, "
                + "simplify, cse, hoist-invariants, dce, fuse, merge-siblings, plan-buffers, or all)"), bad.err());
        Result kernels = jitflow("opt", Repository.examples().resolve("graphs/mlp.jfg").toString(), "--dump-after",
                "merge-siblings");
        assertEquals(0, kernels.code(), kernels.err());
        assertTrue(kernels.out().contains("# after merge-siblings\nkernel program @probabilities"), kernels.out());
    }
}
