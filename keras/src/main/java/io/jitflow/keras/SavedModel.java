package io.jitflow.keras;

import io.jitflow.CompiledGraph;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.Value;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model read back from {@link Model#save}: predicts with the saved weights, and when it was
 * saved compiled and trained, trains on and evaluates batches with the saved optimizer state, all
 * without the Java code that defined it.
 */
public final class SavedModel {
    private final CompiledGraph graph;
    private long noiseSeed = 1;

    private SavedModel(CompiledGraph graph) {
        this.graph = graph;
    }

    public static SavedModel load(Path file) throws IOException {
        CompiledGraph g = Jit.load(file);
        if (!g.functionNames().contains("predict")) {
            throw new IllegalArgumentException(file + " is not a saved model: it has no function @predict (functions: "
                    + String.join(", ", g.functionNames()) + ")");
        }
        return new SavedModel(g);
    }

    public Tensor predict(Tensor x) {
        List<Tensor> outputs = predict(List.of(x));
        if (outputs.size() != 1) {
            throw new IllegalArgumentException("this model has " + outputs.size() + " outputs; use predict(List<Tensor>)");
        }
        return outputs.get(0);
    }

    /** Each output for a batch of each input, in the order the model declared them. */
    public List<Tensor> predict(List<Tensor> inputs) {
        List<Value> declared = graph.function("predict").inputs();
        if (inputs.size() != declared.size()) {
            throw new IllegalArgumentException("this model takes " + declared.size() + " inputs "
                    + declared.stream().map(Value::name).toList() + ", got " + inputs.size());
        }
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            byName.put(declared.get(i).name(), inputs.get(i));
        }
        return List.copyOf(graph.call("predict", byName).values());
    }

    public boolean canTrain() {
        return graph.functionNames().contains("train_step");
    }

    /** One optimizer step on a batch; returns the batch's loss and metrics. */
    public Map<String, Double> trainOnBatch(Tensor x, Tensor labels) {
        if (!canTrain()) {
            throw new IllegalStateException("this model was saved before it was compiled and trained; it can only predict");
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>(Map.of("x", x, "labels", labels));
        Function step = graph.function("train_step");
        for (Value in : step.inputs()) {
            if (in.name().startsWith("noise_")) {
                int[] shape = in.type().shape().bind(Map.of("batch", x.shape()[0])).sizes();
                inputs.put(in.name(), Jf.randomUniform(shape, 0, 1, noiseSeed++, DType.FLOAT32));
            }
        }
        return doubles(graph.call("train_step", inputs));
    }

    /** The loss and metrics on a batch. */
    public Map<String, Double> evaluate(Tensor x, Tensor labels) {
        if (!canTrain()) {
            throw new IllegalStateException("this model was saved before it was compiled and trained; it can only predict");
        }
        return doubles(graph.call("test_step", Map.of("x", x, "labels", labels)));
    }

    /** A saved variable's current value, e.g. {@code "dense/kernel"} or {@code "Adam/iterations"}. */
    public Tensor variable(String name) {
        return graph.variable(name);
    }

    private static Map<String, Double> doubles(Map<String, Tensor> results) {
        Map<String, Double> out = new LinkedHashMap<>();
        results.forEach((k, v) -> out.put(k, v.doubleValue()));
        return out;
    }
}
