package io.jitflow.ir;

/** A typed SSA value: a function input or a node output, named uniquely within its function. */
public record Value(String name, TensorType type) {
    @Override
    public String toString() {
        return "%" + name;
    }
}
