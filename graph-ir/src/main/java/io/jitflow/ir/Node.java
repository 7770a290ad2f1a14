package io.jitflow.ir;

import java.util.List;
import java.util.Objects;

/**
 * One operation in a function: the op, its operands, its complete attributes (defaults filled in),
 * the values it defines and its regions: the nested functions of a control-flow op (cond's
 * branches, while's condition and body, scan's body), which see only their own inputs. The source
 * location is carried for messages and ignored by equality.
 */
public record Node(Op op, List<Value> inputs, Attributes attributes, List<Value> outputs, List<Function> regions,
                   SourceLocation location) {

    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        regions = List.copyOf(regions);
    }

    /** A node without regions. */
    public Node(Op op, List<Value> inputs, Attributes attributes, List<Value> outputs, SourceLocation location) {
        this(op, inputs, attributes, outputs, List.of(), location);
    }

    /** This node reading {@code newInputs} instead (same op, attributes, results and regions). */
    public Node withInputs(List<Value> newInputs) {
        return new Node(op, newInputs, attributes, outputs, regions, location);
    }

    /** The single output of a one-output node. */
    public Value output() {
        if (outputs.size() != 1) {
            throw new IllegalStateException(op.mnemonic() + " has " + outputs.size() + " outputs");
        }
        return outputs.get(0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Node n && op == n.op && inputs.equals(n.inputs) && attributes.equals(n.attributes)
                && outputs.equals(n.outputs) && regions.equals(n.regions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, inputs, attributes, outputs, regions);
    }

    /** A one-line description for messages, e.g. {@code %3 = add(%1, %2)}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < outputs.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(outputs.get(i));
        }
        if (!outputs.isEmpty()) {
            sb.append(" = ");
        }
        sb.append(op.mnemonic()).append('(');
        for (int i = 0; i < inputs.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(inputs.get(i));
        }
        return sb.append(')').toString();
    }
}
