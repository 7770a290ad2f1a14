package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jitflow.compiler.CompileOptions;
import io.jitflow.compiler.CompilerDriver;
import io.jitflow.cpu.CpuCodeOptions;
import io.jitflow.cpu.CpuCompiler;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.onnx.Onnx;
import io.jitflow.runtime.ProgramExecutable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ONNX's own backend node tests (580 cases copied from {@code ../shared/conformance/onnx-node}, and 189
 * more from the same commit of onnx/onnx for the ops those leave out: control flow, recurrent layers, Resize,
 * normalizations, gathers and scatters, activations, ...):
 * each model imported and run on its inputs by the reference interpreter, by compiled CPU code
 * (default and exact mode) and by the PTX the CUDA backend generates (on the PTX interpreter), its
 * outputs compared as ONNX's runner compares them (same dtypes and shapes, rtol 1e-3, atol 1e-7,
 * NaN equal to NaN). The cases that fail are listed with the reason in
 * {@code onnx-node-failures.tsv}; a case that fails unlisted, or passes while listed, fails this test,
 * so the list (and the README's table, made from it) stays true. Each path must pass 95% of the cases.
 */
class OnnxConformanceTest {
    /** ONNX's 580 cases, and 189 more for the ops those leave out (control flow, recurrent, Resize, scatters, ...). */
    private static final List<Path> SUITES = List.of(Repository.root().resolve("tests/src/test/resources/onnx-node"),
            Repository.root().resolve("tests/src/test/resources/onnx-node-more"));
    private static final Path FAILURES = Repository.root().resolve("tests/src/test/resources/onnx-node-failures.tsv");
    private static final double RTOL = 1e-3;
    private static final double ATOL = 1e-7;

    interface Runner {
        Map<String, HostTensor> run(Function f, Map<String, HostTensor> inputs);
    }

    private static List<Path> cases;
    private static Map<String, String> expectedFailures;

    @BeforeAll
    static void load() throws IOException {
        cases = cases();
        expectedFailures = expectedFailures();
    }

    /** Every case's folder, sorted by name. */
    static List<Path> cases() throws IOException {
        List<Path> all = new ArrayList<>();
        for (Path suite : SUITES) {
            try (Stream<Path> s = Files.list(suite)) {
                s.filter(Files::isDirectory).forEach(all::add);
            }
        }
        all.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        return all;
    }

    /** The listed failures: "case\tpath" to the reason. */
    static Map<String, String> expectedFailures() throws IOException {
        Map<String, String> listed = new TreeMap<>();
        for (String line : Files.readAllLines(FAILURES)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\t");
            listed.put(cols[0] + "\t" + cols[1], cols.length > 2 ? cols[2] : "");
        }
        return listed;
    }

    @Test
    void referenceInterpreter() {
        check("interpreter", (f, in) -> Interpreter.run(f, in, new VariableStore()));
    }

    @Test
    void compiledCpuDefault() {
        check("cpu", cpu(CompileOptions.DEFAULTS.withVerify(true)));
    }

    @Test
    void compiledCpuExact() {
        check("cpu-exact", cpu(CompileOptions.DEFAULTS.withExact(true).withVerify(true)));
    }

    @Test
    void ptxInterpreter() {
        check("ptx", (f, in) -> {
            KernelProgram program = new CompilerDriver(CompileOptions.DEFAULTS.withVerify(true)).lower(f,
                    io.jitflow.ir.InferenceContext.NO_VARIABLES);
            return new ProgramExecutable(program, new PtxExecution(program, PtxGenerator.module(program)))
                    .run(in, new VariableStore());
        });
    }

    private static Runner cpu(CompileOptions options) {
        CpuCodeOptions code = new CpuCodeOptions(options.exact(), options.vectorize());
        return (f, in) -> {
            KernelProgram program = new CompilerDriver(options).lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
            Compiled.verify(CpuCompiler.generate(program, code), program);
            return new ProgramExecutable(program, CpuCompiler.compile(program, code)).run(in, new VariableStore());
        };
    }

    private void check(String path, Runner runner) {
        List<String> problems = new ArrayList<>();
        int passed = 0;
        for (Path c : cases) {
            String name = c.getFileName().toString();
            String failure = runCase(c, runner);
            String expected = expectedFailures.get(name + "\t" + path);
            if (failure == null) {
                passed++;
                if (expected != null) {
                    problems.add(name + ": passes on " + path + " but onnx-node-failures.tsv lists it (" + expected + ")");
                }
            } else if (expected == null) {
                problems.add(name + ": " + failure);
            }
        }
        double rate = passed / (double) cases.size();
        System.out.printf("ONNX node suite on %s: %d of %d pass (%.1f%%)%n", path, passed, cases.size(), 100 * rate);
        if (!problems.isEmpty()) {
            fail(problems.size() + " cases differ from the expected results on " + path + ":\n"
                    + String.join("\n", problems));
        }
        assertTrue(rate >= 0.95, path + " passes " + passed + " of " + cases.size());
    }

    /** Null when the case passes, else why not. */
    static String runCase(Path dir, Runner runner) {
        try {
            Path model = dir.resolve("model.onnx");
            Path data = dir.resolve("test_data_set_0");
            Map<String, HostTensor> inputs = new LinkedHashMap<>();
            for (Path p : numbered(data, "input_")) {
                inputs.put(Onnx.tensorName(p), Onnx.readTensor(p));
            }
            List<HostTensor> expected = new ArrayList<>();
            for (Path p : numbered(data, "output_")) {
                expected.add(Onnx.readTensor(p));
            }
            Set<String> shapeInputs = Onnx.shapeInputs(model);
            Map<String, HostTensor> bound = new LinkedHashMap<>();
            Map<String, HostTensor> fed = new LinkedHashMap<>();
            inputs.forEach((k, v) -> (shapeInputs.contains(k) ? bound : fed).put(k, v));
            Graph g = Onnx.read(model, bound);
            Function f = g.functions().get(0);
            Map<String, HostTensor> args = new LinkedHashMap<>();
            List<HostTensor> values = new ArrayList<>(fed.values());
            for (int i = 0; i < f.inputs().size(); i++) {
                args.put(f.inputs().get(i).name(), values.get(i));
            }
            List<HostTensor> actual = new ArrayList<>(runner.run(f, args).values());
            if (actual.size() != expected.size()) {
                return actual.size() + " outputs, expected " + expected.size();
            }
            for (int j = 0; j < expected.size(); j++) {
                String d = difference(expected.get(j), actual.get(j));
                if (d != null) {
                    return "output " + j + ": " + d;
                }
            }
            return null;
        } catch (RuntimeException | AssertionError e) {
            return e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        }
    }

    private static List<Path> numbered(Path dir, String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()
                            .replace(prefix, "").replace(".pb", ""))))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ONNX's comparison: same dtype and shape, |a - e| <= atol + rtol * |e|, NaN equal to NaN. */
    static String difference(HostTensor expected, HostTensor actual) {
        if (expected.dtype() != actual.dtype() || !java.util.Arrays.equals(expected.shape(), actual.shape())) {
            return "got " + actual.type() + ", expected " + expected.type();
        }
        for (int i = 0; i < expected.size(); i++) {
            if (expected.dtype().isFloating()) {
                double e = expected.getDouble(i);
                double a = actual.getDouble(i);
                boolean same = Double.isNaN(e) ? Double.isNaN(a) : e == a || Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
                if (!same) {
                    return "element " + i + " is " + a + ", expected " + e;
                }
            } else if (expected.getLong(i) != actual.getLong(i)) {
                return "element " + i + " is " + actual.getLong(i) + ", expected " + expected.getLong(i);
            }
        }
        return null;
    }
}
