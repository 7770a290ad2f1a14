package io.jitflow.ir;

import java.util.List;
import java.util.Optional;

/** A unit of the text format: versions, variables and functions. */
public record Graph(int formatVersion, int opsetVersion, List<Variable> variables, List<Function> functions) {

    /** The text-format version this build reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The op semantics this build implements; files say which they were written for (2: cond, while, scan). */
    public static final int OPSET_VERSION = 2;

    public Graph {
        variables = List.copyOf(variables);
        functions = List.copyOf(functions);
    }

    public static Graph of(List<Variable> variables, List<Function> functions) {
        return new Graph(FORMAT_VERSION, OPSET_VERSION, variables, functions);
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
