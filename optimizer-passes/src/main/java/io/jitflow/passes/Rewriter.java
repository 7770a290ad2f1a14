package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.SourceLocation;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds a function node by node: a pass keeps nodes (with replaced operands substituted), emits
 * new ones, and maps old values to replacements. Call order: construct, then per node {@link #keep}
 * or {@link #replace} / {@link #emit}, then {@link #finish}.
 */
final class Rewriter {
    private final Function original;
    private final InferenceContext context;
    private final Map<Value, Value> replacements = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final String prefix;
    private int next;
    private boolean changed;

    Rewriter(Function original, InferenceContext context, String prefix) {
        this.original = original;
        this.context = context;
        this.prefix = prefix;
        original.inputs().forEach(v -> names.add(v.name()));
        original.nodes().forEach(n -> n.outputs().forEach(v -> names.add(v.name())));
    }

    /** The value that now stands for {@code v}. */
    Value resolve(Value v) {
        Value r = replacements.get(v);
        return r == null ? v : resolve(r);
    }

    /** Keeps a node, with its operands resolved. */
    void keep(Node n) {
        List<Value> inputs = n.inputs().stream().map(this::resolve).toList();
        if (!inputs.equals(n.inputs())) {
            changed = true;
            n = n.withInputs(inputs);
        }
        nodes.add(n);
    }

    /** From now on, uses of {@code old} read {@code with}; the types must agree. */
    void replace(Value old, Value with) {
        if (!old.type().equals(with.type())) {
            throw new IllegalStateException("cannot replace " + old + " : " + old.type() + " by " + with + " : " + with.type());
        }
        replacements.put(old, with);
        changed = true;
    }

    /** Adds a new one-result node under a fresh name; its type is inferred. */
    Value emit(Op op, Attributes attrs, List<Value> operands, SourceLocation location) {
        Attributes complete = NodeFactory.complete(op, attrs);
        List<TensorType> types = NodeFactory.infer(op, operands.stream().map(Value::type).toList(), complete, context);
        Value result = new Value(freshName(), types.get(0));
        nodes.add(new Node(op, operands, complete, List.of(result), location));
        changed = true;
        return result;
    }

    /**
     * Adds a copy of {@code n} (regions included) whose operands are {@code operands} and whose results
     * get fresh names; returns the copy's results.
     */
    List<Value> emitCopy(Node n, List<Value> operands) {
        List<Value> results = new ArrayList<>();
        for (Value out : n.outputs()) {
            results.add(new Value(freshName(), out.type()));
        }
        nodes.add(new Node(n.op(), operands, n.attributes(), results, n.regions(), n.location()));
        changed = true;
        return results;
    }

    void markChanged() {
        changed = true;
    }

    private String freshName() {
        String name;
        do {
            name = prefix + next++;
        } while (!names.add(name));
        return name;
    }

    /** The rebuilt function, or the original object when nothing changed. */
    Function finish() {
        if (!changed) {
            return original;
        }
        List<Function.Output> outputs = new ArrayList<>();
        for (Function.Output o : original.outputs()) {
            outputs.add(new Function.Output(o.name(), resolve(o.value())));
        }
        return new Function(original.name(), original.inputs(), nodes, outputs);
    }
}
