package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.Value;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.Onnx;
import io.jitflow.onnx.OnnxException;
import io.jitflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * import(export(g)) computes what g computes: every function of the example graphs, the fusion and
 * pipeline goldens, the op-set file and {@code onnx/export_forms.jfg}, written as ONNX, read back and run by the reference
 * interpreter on the same random inputs (symbolic dims bound to 3, integers 1 or 2). Functions using an op that ONNX
 * cannot express must be refused with the reason listed here, and only those.
 */
class OnnxRoundTripTest {
    /** Functions that cannot be exported, and a word of the reason the error must give. */
    private static final Map<String, String> REFUSED = Map.of(
            "all_ops.jfg@creation", "Philox",
            "all_ops.jfg@windows", "must be static",
            "all_ops.jfg@movement", "symmetric padding",
            "all_ops.jfg@state", "no state to assign",
            "assign_without_copy.jfg@step", "no state to assign",
            "matmul_update.jfg@step", "no state to assign",
            "sibling_maps.jfg@step", "no state to assign");

    @TempDir
    Path dir;

    @Test
    void exportedGraphsComputeTheSameWhenImported() throws IOException {
        Path root = Repository.root();
        List<Path> files = new ArrayList<>();
        for (String folder : List.of("examples/graphs", "tests/src/test/resources/fusion",
                "tests/src/test/resources/pipeline", "tests/src/test/resources/onnx")) {
            try (Stream<Path> s = Files.list(root.resolve(folder))) {
                s.filter(p -> p.toString().endsWith(".jfg")).sorted().forEach(files::add);
            }
        }
        files.add(root.resolve("grammar/src/test/resources/text/all_ops.jfg"));
        Map<String, String> refused = new TreeMap<>();
        int checked = 0;
        for (Path file : files) {
            Graph g = GraphParser.parse(Files.readString(file), file.getFileName().toString());
            for (Function f : g.functions()) {
                String key = file.getFileName() + "@" + f.name();
                Path onnx = dir.resolve(f.name() + ".onnx");
                try {
                    Onnx.write(g, f.name(), VariableStore.initialValues(g), onnx);
                } catch (OnnxException e) {
                    refused.put(key, e.getMessage());
                    continue;
                }
                Graph back = Onnx.read(onnx);
                Map<String, HostTensor> inputs = randomInputs(f, new Random(key.hashCode()));
                Map<String, HostTensor> expected = Interpreter.run(f, inputs, VariableStore.initialValues(g));
                Map<String, HostTensor> actual = Interpreter.run(back.functions().get(0), inputs, new VariableStore());
                assertEquals(expected.keySet(), actual.keySet(), key);
                for (String out : expected.keySet()) {
                    String d = OnnxConformanceTest.difference(expected.get(out), actual.get(out));
                    if (d != null) {
                        fail(key + " output " + out + ": " + d);
                    }
                }
                checked++;
            }
        }
        List<String> problems = new ArrayList<>();
        refused.forEach((key, message) -> {
            String reason = REFUSED.get(key);
            if (reason == null || !message.contains(reason)) {
                problems.add(key + " was refused: " + message);
            }
        });
        REFUSED.keySet().stream().filter(k -> !refused.containsKey(k)).forEach(k -> problems.add(k + " was not refused"));
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
        System.out.println("ONNX round trip: " + checked + " functions agree, " + refused.size() + " refused");
    }

    @Test
    void aTracedFunctionWritesOnnxWithItsVariablesCurrentValues() throws IOException {
        io.jitflow.Variable w = new io.jitflow.Variable(io.jitflow.Jf.constant(new float[][] {{1, 2}, {3, 4}}));
        io.jitflow.JitFunction f = io.jitflow.Jit.function((io.jitflow.Tensor x) -> io.jitflow.Jf.matmul(x, w).relu());
        io.jitflow.Tensor x = io.jitflow.Jf.constant(new float[][] {{1, -1}});
        f.call(x);
        w.assign(io.jitflow.Jf.constant(new float[][] {{-1, 2}, {3, -4}}));
        Path file = dir.resolve("f.onnx");
        f.writeOnnx(file, x);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> f.writeOnnx(dir.resolve("f.jfg"), x), "writeOnnx writes .onnx files only");
        Graph g = Onnx.read(file);
        Function main = g.functions().get(0);
        HostTensor y = Interpreter.run(main, Map.of(main.inputs().get(0).name(), x.toHostTensor()), new VariableStore())
                .values().iterator().next();
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0, 6}, y.toFloatArray());
    }

    static Map<String, HostTensor> randomInputs(Function f, Random random) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Value in : f.inputs()) {
            int[] shape = in.type().shape().dims().stream().mapToInt(d -> d.isStatic() ? d.size() : 3).toArray();
            inputs.put(in.name(), RandomTensors.of(in.type().dtype(), shape, random, 1, 2, false));
        }
        return inputs;
    }

}
