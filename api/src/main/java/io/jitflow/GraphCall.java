package io.jitflow;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a graph-ir function (read from a graph file or imported from ONNX) on tensors, op by op in
 * the current context: eagerly, or into the function being traced, and every active
 * {@link GradientTape} records its ops, as if Java code had called them. The function's variables
 * are the {@link Variable}s bound to their names, so its weights can be trained.
 *
 * <pre>{@code
 * Graph g = Onnx.read(path, name -> true);
 * Map<String, Variable> weights = GraphCall.variables(g);
 * Tensor y = GraphCall.apply(g.function("main").orElseThrow(), weights, List.of(x)).get(0);
 * }</pre>
 */
public final class GraphCall {
    private GraphCall() {
    }

    /** One new trainable-as-declared {@link Variable} per variable of {@code graph}, holding its initial value, by name. */
    public static Map<String, Variable> variables(io.jitflow.ir.Graph graph) {
        Map<String, Variable> result = new java.util.LinkedHashMap<>();
        for (io.jitflow.ir.Variable v : graph.variables()) {
            result.put(v.name(), new Variable(Tensor.of(v.initialValue()), v.name(), v.trainable()));
        }
        return result;
    }

    /** The function's outputs, in declaration order, for {@code inputs} in declaration order. */
    public static List<Tensor> apply(Function f, Map<String, Variable> variables, List<? extends Operand> inputs) {
        if (inputs.size() != f.inputs().size()) {
            throw new IllegalArgumentException("@" + f.name() + " takes " + f.inputs().size() + " input(s) "
                    + f.inputs().stream().map(v -> v.name() + " : " + v.type()).toList() + ", got " + inputs.size());
        }
        Map<Value, Tensor> values = new HashMap<>();
        Map<String, Dim> dims = new HashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i).asTensor();
            requireMatches(f, f.inputs().get(i), t.type(), dims);
            values.put(f.inputs().get(i), t);
        }
        for (Node n : f.nodes()) {
            List<Tensor> operands = new ArrayList<>();
            for (Value v : n.inputs()) {
                operands.add(values.get(v));
            }
            List<Tensor> results = run(f, n, operands, variables);
            for (int k = 0; k < results.size(); k++) {
                values.put(n.outputs().get(k), results.get(k));
            }
        }
        return f.outputs().stream().map(o -> values.get(o.value())).toList();
    }

    private static List<Tensor> run(Function f, Node n, List<Tensor> operands, Map<String, Variable> variables) {
        switch (n.op()) {
            case CONSTANT:
                return List.of(ExecutionContext.current().constantTensor(n.attributes().getTensor("value")));
            case READ_VARIABLE:
                return List.of(variable(f, n, variables).asTensor());
            case ASSIGN_VARIABLE:
                variable(f, n, variables).assign(operands.get(0));
                return List.of();
            default:
                return ExecutionContext.dispatch(n.op(), n.attributes(), operands, n.regions());
        }
    }

    private static Variable variable(Function f, Node n, Map<String, Variable> variables) {
        String name = n.attributes().getString("name");
        Variable v = variables.get(name);
        if (v == null) {
            throw new IllegalArgumentException("@" + f.name() + " uses variable @" + name
                    + ", which is not bound (bound: " + variables.keySet() + ")");
        }
        return v;
    }

    /** Checks a tensor against a declared input: dtype, rank, static dims, and each named dim one dim throughout (a traced batch stays symbolic). */
    private static void requireMatches(Function f, Value input, TensorType actual, Map<String, Dim> dims) {
        TensorType declared = input.type();
        boolean ok = declared.dtype() == actual.dtype() && declared.rank() == actual.rank();
        for (int d = 0; ok && d < declared.rank(); d++) {
            Dim dim = declared.shape().dim(d);
            Dim given = actual.shape().dim(d);
            ok = dim.isStatic() ? dim.equals(given) : dims.computeIfAbsent(dim.toString(), k -> given).equals(given);
        }
        if (!ok) {
            throw new IllegalArgumentException("@" + f.name() + ": input '" + input.name() + "' is declared "
                    + declared + ", got " + actual);
        }
    }
}
