package io.jitflow.spark;

import io.jitflow.CompiledGraph;
import io.jitflow.Jit;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.TensorType;
import io.jitflow.runtime.aot.AotModule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One compiled function of a model file (a graph file, a Keras saved model or an AOT jar) that
 * takes a batch of float32 examples and gives one output per example: what the tasks of
 * {@link JitflowSpark#predict} call on their rows.
 */
final class Predictor {
    private final String function;
    private final String input;
    private final int[] features;
    private final CompiledGraph graph;
    private final AotModule aot;

    private Predictor(String function, String input, int[] features, CompiledGraph graph, AotModule aot) {
        this.function = function;
        this.input = input;
        this.features = features;
        this.graph = graph;
        this.aot = aot;
    }

    /** {@code function} of the model in {@code file} (null: "predict", or the file's only function), compiled. */
    static Predictor load(Path file, String function) throws IOException {
        if (file.getFileName().toString().endsWith(".jar")) {
            AotModule aot = AotModule.load(file);
            String f = choose(file, function, aot.functionNames());
            Map<String, TensorType> inputs = aot.inputs(f);
            return checked(file, f, inputs, null, aot);
        }
        CompiledGraph graph = Jit.load(file);
        String f = choose(file, function, graph.functionNames());
        Map<String, TensorType> inputs = new java.util.LinkedHashMap<>();
        graph.function(f).inputs().forEach(v -> inputs.put(v.name(), v.type()));
        return checked(file, f, inputs, graph, null);
    }

    private static String choose(Path file, String function, List<String> names) {
        if (function != null) {
            if (!names.contains(function)) {
                throw new IllegalArgumentException(file.getFileName() + " has no function " + function + " (functions: "
                        + String.join(", ", names) + ")");
            }
            return function;
        }
        if (names.contains("predict")) {
            return "predict";
        }
        if (names.size() != 1) {
            throw new IllegalArgumentException(file.getFileName() + " has " + names.size() + " functions (" + String.join(
                    ", ", names) + "); name the one to run");
        }
        return names.get(0);
    }

    private static Predictor checked(Path file, String function, Map<String, TensorType> inputs, CompiledGraph graph,
            AotModule aot) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException(file.getFileName() + ": function " + function + " takes " + inputs.size()
                    + " inputs " + inputs.keySet() + "; Spark scoring feeds one");
        }
        Map.Entry<String, TensorType> in = inputs.entrySet().iterator().next();
        TensorType type = in.getValue();
        List<Dim> dims = type.shape().dims();
        if (type.dtype() != DType.FLOAT32 || dims.isEmpty() || dims.subList(1, dims.size()).stream()
                .anyMatch(d -> !d.isStatic())) {
            throw new IllegalArgumentException(file.getFileName() + ": function " + function + " takes " + type
                    + "; Spark scoring feeds float32 batches [batch, known feature dims]");
        }
        int[] features = dims.subList(1, dims.size()).stream().mapToInt(Dim::size).toArray();
        return new Predictor(function, in.getKey(), features, graph, aot);
    }

    /** The number of floats one example has. */
    int width() {
        return Arrays.stream(features).reduce(1, (a, b) -> a * b);
    }

    String describeInput() {
        return "float32" + Arrays.toString(features) + " (" + width() + " values) per example";
    }

    /** Each example's output, flattened, for {@code rows} examples of {@link #width} floats each. */
    float[][] predict(float[] batch, int rows) {
        int[] shape = new int[features.length + 1];
        shape[0] = rows;
        System.arraycopy(features, 0, shape, 1, features.length);
        HostTensor x = HostTensor.of(batch, shape);
        HostTensor y = aot != null ? aot.call(function, Map.of(input, x)).values().iterator().next()
                : graph.call(function, Map.of(input, Tensor.of(x))).values().iterator().next().toHostTensor();
        float[] flat = y.toFloatArray();
        int per = flat.length / rows;
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * per, (r + 1) * per);
        }
        return out;
    }
}
