package io.jitflow.ir;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A unit of the text format: versions, metadata (string keys and values that tools keep with the
 * graph, such as a Keras model's layer structure; ONNX's metadata_props), variables and functions.
 */
public record Graph(int formatVersion, int opsetVersion, Map<String, String> metadata, List<Variable> variables,
        List<Function> functions) {

    /** The text-format version this build reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The op semantics this build implements; files say which they were written for (2: cond, while, scan). */
    public static final int OPSET_VERSION = 2;

    public Graph {
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        variables = List.copyOf(variables);
        functions = List.copyOf(functions);
    }

    public static Graph of(List<Variable> variables, List<Function> functions) {
        return new Graph(FORMAT_VERSION, OPSET_VERSION, Map.of(), variables, functions);
    }

    /** This graph with {@code value} under {@code key} in its metadata (replacing any). */
    public Graph withMetadata(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(metadata);
        more.put(key, value);
        return new Graph(formatVersion, opsetVersion, more, variables, functions);
    }

    public Optional<Function> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public Optional<Variable> variable(String name) {
        return variables.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    /** What inference needs to know about this graph's variables. */
    public InferenceContext inferenceContext() {
        return name -> variable(name).map(Variable::type).orElse(null);
    }
}
