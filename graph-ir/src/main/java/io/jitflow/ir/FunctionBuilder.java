package io.jitflow.ir;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds a {@link Function} node by node, inferring every result type as it goes. Call order:
 * {@link #input} for each input, then {@link #add} for each node, {@link #output} for each result,
 * then {@link #build()}. Results are named {@code 0, 1, 2, ...} unless a name is given.
 */
public final class FunctionBuilder {
    private final String name;
    private final InferenceContext context;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Function.Output> outputs = new ArrayList<>();
    private final Set<String> usedNames = new HashSet<>();
    private int nextName;

    public FunctionBuilder(String name, InferenceContext context) {
        this.name = name;
        this.context = context;
    }

    public Value input(String inputName, TensorType type) {
        Value v = new Value(claim(inputName), type);
        inputs.add(v);
        return v;
    }

    /** Adds a node with generated result names; returns its results. */
    public List<Value> add(Op op, Attributes attrs, List<Value> operands, SourceLocation location) {
        return add(op, attrs, operands, List.of(), location);
    }

    /** Adds a node with regions (a control-flow op). */
    public List<Value> add(Op op, Attributes attrs, List<Value> operands, List<Function> regions, SourceLocation location) {
        Attributes complete = NodeFactory.complete(op, attrs);
        List<TensorType> types = NodeFactory.infer(op, operands.stream().map(Value::type).toList(), complete, regions,
                context);
        List<Value> results = new ArrayList<>();
        for (TensorType t : types) {
            results.add(new Value(freshName(), t));
        }
        nodes.add(new Node(op, operands, complete, results, regions, location));
        return results;
    }

    /** Adds a one-result node. */
    public Value add(Op op, Attributes attrs, Value... operands) {
        List<Value> results = add(op, attrs, List.of(operands), null);
        if (results.size() != 1) {
            throw new IllegalArgumentException(op.mnemonic() + " has " + results.size() + " results, not 1");
        }
        return results.get(0);
    }

    public Value add(Op op, Value... operands) {
        return add(op, Attributes.empty(), operands);
    }

    /** Adds a node that has no results, such as assign_variable. */
    public void addEffect(Op op, Attributes attrs, Value... operands) {
        add(op, attrs, List.of(operands), null);
    }

    public FunctionBuilder output(String outputName, Value value) {
        outputs.add(new Function.Output(outputName, value));
        return this;
    }

    public Function build() {
        return new Function(name, inputs, nodes, outputs);
    }

    private String claim(String valueName) {
        if (!usedNames.add(valueName)) {
            throw new IllegalArgumentException("value name %" + valueName + " is already used in @" + name);
        }
        return valueName;
    }

    private String freshName() {
        while (usedNames.contains(Integer.toString(nextName))) {
            nextName++;
        }
        return claim(Integer.toString(nextName++));
    }
}
