package io.jitflow.ir;

/** What type inference may ask of the graph around a node. */
@FunctionalInterface
public interface InferenceContext {
    /** The type of the variable called {@code name}, or {@code null} if there is none. */
    TensorType variableType(String name);

    InferenceContext NO_VARIABLES = name -> null;
}
