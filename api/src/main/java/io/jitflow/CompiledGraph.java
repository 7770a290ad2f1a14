package io.jitflow;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.VariableStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph read from a file, its functions compiled and callable by name, with its variables'
 * values held here (see {@link Jit#load}), for the CPU or a CUDA device. Calls are serialized, so
 * assignments stay consistent.
 */
public final class CompiledGraph {
    private final Graph graph;
    private final VariableStore variables;
    private final Map<String, Executables.TensorCode> functions = new LinkedHashMap<>();

    CompiledGraph(Graph graph, io.jitflow.compiler.CompilerDriver compiler) {
        this.graph = graph;
        this.variables = VariableStore.initialValues(graph);
        compiler.compile(graph).forEach((name, code) -> functions.put(name, Executables.tensors(code)));
    }

    public List<String> functionNames() {
        return List.copyOf(functions.keySet());
    }

    /** The function's declaration (its named, typed inputs and outputs). */
    public Function function(String name) {
        return graph.function(name).orElseThrow(() -> new IllegalArgumentException("no function @" + name
                + " (functions: " + String.join(", ", functions.keySet()) + ")"));
    }

    /** Runs function {@code name} on inputs by name; returns its outputs by name, in declaration order. */
    public synchronized Map<String, Tensor> call(String name, Map<String, Tensor> inputs) {
        Executables.TensorCode f = functions.get(name);
        if (f == null) {
            throw new IllegalArgumentException("no function @" + name + " (functions: "
                    + String.join(", ", functions.keySet()) + ")");
        }
        return f.run(inputs, variables);
    }

    /** A variable's current value. */
    public synchronized Tensor variable(String name) {
        return new Tensor(variables.get(name));
    }

    public Graph graph() {
        return graph;
    }
}
