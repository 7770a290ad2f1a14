package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jitflow.bench.OnnxRuntimeSession;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.Onnx;
import io.jitflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime beside Jitflow: models Jitflow exports run in ONNX Runtime and agree with the
 * reference interpreter, and every node-suite model ONNX Runtime runs gives what Jitflow's compiled
 * code gives (but the cases the conformance table lists as failing), compared with ONNX's tolerances.
 */
class OnnxRuntimeCrossCheckTest {
    @TempDir
    Path dir;

    @Test
    void exportedModelsRunInOnnxRuntime() throws IOException {
        int checked = 0;
        for (Path file : List.of(Repository.root().resolve("tests/src/test/resources/onnx/export_forms.jfg"),
                Repository.root().resolve("examples/graphs/mlp.jfg"),
                Repository.root().resolve("tests/src/test/resources/fusion/conv_bias_relu.jfg"))) {
            Graph g = GraphParser.parse(Files.readString(file), file.getFileName().toString());
            for (Function f : g.functions()) {
                Path onnx = dir.resolve(f.name() + ".onnx");
                Onnx.write(g, f.name(), VariableStore.initialValues(g), onnx);
                Map<String, HostTensor> inputs = OnnxRoundTripTest.randomInputs(f, new Random(f.name().hashCode()));
                Map<String, HostTensor> expected = Interpreter.run(f, inputs, VariableStore.initialValues(g));
                Map<String, HostTensor> actual = OnnxRuntimeSession.run(onnx, inputs);
                assertEquals(expected.keySet(), actual.keySet(), f.name());
                for (String out : expected.keySet()) {
                    String d = OnnxConformanceTest.difference(expected.get(out), actual.get(out));
                    if (d != null) {
                        fail(file.getFileName() + "@" + f.name() + " output " + out + " in ONNX Runtime: " + d);
                    }
                }
                checked++;
            }
        }
        assertTrue(checked >= 6, "functions checked: " + checked);
    }

    @Test
    void importedNodeSuiteModelsAgreeWithOnnxRuntime() throws IOException {
        Path suite = Repository.root().resolve("tests/src/test/resources/onnx-node");
        List<String> problems = new ArrayList<>();
        int agreed = 0;
        List<Path> cases;
        try (Stream<Path> s = Files.list(suite)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path c : cases) {
            Path model = c.resolve("model.onnx");
            Map<String, HostTensor> inputs = new LinkedHashMap<>();
            try (Stream<Path> s = Files.list(c.resolve("test_data_set_0"))) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("input_")).toList()) {
                    inputs.put(Onnx.tensorName(p), Onnx.readTensor(p));
                }
            }
            Map<String, HostTensor> ort;
            try {
                ort = OnnxRuntimeSession.run(model, inputs);
            } catch (IllegalStateException e) {
                continue; // a model ONNX Runtime itself cannot run says nothing about Jitflow
            }
            String failure = OnnxConformanceTest.runCase(c, (f, in) -> {
                Map<String, HostTensor> ours = Compiled.run(f, io.jitflow.ir.InferenceContext.NO_VARIABLES, in,
                        new VariableStore());
                List<HostTensor> theirs = new ArrayList<>(ort.values());
                List<HostTensor> mine = new ArrayList<>(ours.values());
                for (int j = 0; j < theirs.size(); j++) {
                    String d = OnnxConformanceTest.difference(theirs.get(j), mine.get(j));
                    if (d != null) {
                        throw new AssertionError("output " + j + " differs from ONNX Runtime's: " + d);
                    }
                }
                return ours;
            });
            if (failure == null) {
                agreed++;
            } else if (!OnnxConformanceTest.expectedFailures().containsKey(c.getFileName() + "\tcpu")) {
                problems.add(c.getFileName() + ": " + failure);
            }
        }
        System.out.println("ONNX Runtime and Jitflow agree on " + agreed + " node-suite models");
        if (!problems.isEmpty()) {
            fail(problems.size() + " disagreements:\n" + String.join("\n", problems));
        }
    }
}
