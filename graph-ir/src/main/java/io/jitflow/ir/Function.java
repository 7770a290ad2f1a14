package io.jitflow.ir;

import java.util.List;

/**
 * A named function: typed named inputs, nodes in execution order (each value defined before it is
 * used, stateful nodes in program order), and named outputs.
 */
public record Function(String name, List<Value> inputs, List<Node> nodes, List<Output> outputs) {

    /** A named result of a function. */
    public record Output(String name, Value value) {
    }

    public Function {
        inputs = List.copyOf(inputs);
        nodes = List.copyOf(nodes);
        outputs = List.copyOf(outputs);
    }

    public Value input(String inputName) {
        for (Value v : inputs) {
            if (v.name().equals(inputName)) {
                return v;
            }
        }
        throw new IllegalArgumentException("function @" + name + " has no input named '" + inputName + "'");
    }
}
