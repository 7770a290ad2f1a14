package io.jitflow.ir;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the rules every graph keeps: unique names, each value defined once and before its uses,
 * attributes complete and of the declared kinds, and every result type equal to what inference
 * gives. Passes are checked with it in tests.
 */
public final class Verifier {
    private Verifier() {
    }

    public static void verify(Graph graph) {
        Set<String> names = new HashSet<>();
        for (Variable v : graph.variables()) {
            if (!names.add(v.name())) {
                throw new VerificationException("variable @" + v.name() + " is declared twice", null);
            }
        }
        names.clear();
        for (Function f : graph.functions()) {
            if (!names.add(f.name())) {
                throw new VerificationException("function @" + f.name() + " is declared twice", null);
            }
            verify(f, graph.inferenceContext());
        }
    }

    public static void verify(Function f, InferenceContext context) {
        Map<String, Value> defined = new HashMap<>();
        for (Value input : f.inputs()) {
            if (defined.put(input.name(), input) != null) {
                throw new VerificationException("function @" + f.name() + ": input %" + input.name()
                        + " is declared twice", null);
            }
        }
        for (Node node : f.nodes()) {
            String where = "function @" + f.name() + ", node " + node.describe();
            for (Value use : node.inputs()) {
                Value definition = defined.get(use.name());
                if (definition == null) {
                    throw new VerificationException(where + ": operand " + use + " is used before it is defined",
                            node.location());
                }
                if (!definition.type().equals(use.type())) {
                    throw new VerificationException(where + ": operand " + use + " is used as " + use.type()
                            + " but defined as " + definition.type(), node.location());
                }
            }
            List<TensorType> expected;
            try {
                Attributes complete = NodeFactory.complete(node.op(), node.attributes());
                if (!complete.equals(node.attributes())) {
                    throw new OpTypeException(node.op().mnemonic() + ": attributes " + node.attributes()
                            + " lack defaults; expected " + complete);
                }
                expected = NodeFactory.infer(node.op(), node.inputs().stream().map(Value::type).toList(),
                        node.attributes(), node.regions(), context);
            } catch (OpTypeException e) {
                throw new VerificationException(where + ": " + e.getMessage(), node.location());
            }
            for (Function region : node.regions()) {
                verifyRegion(region, where, context);
            }
            List<TensorType> actual = node.outputs().stream().map(Value::type).toList();
            if (!expected.equals(actual)) {
                throw new VerificationException(where + ": results are declared " + describe(actual)
                        + " but the op gives " + describe(expected), node.location());
            }
            for (Value out : node.outputs()) {
                if (defined.put(out.name(), out) != null) {
                    throw new VerificationException(where + ": value " + out + " is defined twice", node.location());
                }
            }
        }
        Set<String> outputNames = new HashSet<>();
        for (Function.Output out : f.outputs()) {
            if (!outputNames.add(out.name())) {
                throw new VerificationException("function @" + f.name() + ": output '" + out.name()
                        + "' is named twice", null);
            }
            Value definition = defined.get(out.value().name());
            if (definition == null || !definition.type().equals(out.value().type())) {
                throw new VerificationException("function @" + f.name() + ": output '" + out.name() + "' refers to "
                        + out.value() + (definition == null ? ", which is not defined" : " of type " + out.value().type()
                        + ", but it is defined as " + definition.type()), null);
            }
        }
    }

    /** A region is a function of its own, without state: variables are read outside and passed in. */
    private static void verifyRegion(Function region, String where, InferenceContext context) {
        for (Node inner : region.nodes()) {
            if (inner.op().has(Op.Trait.STATEFUL)) {
                throw new VerificationException(where + ", region '" + region.name() + "': " + inner.op().mnemonic()
                        + " cannot appear inside a region; read variables outside and pass the values in as operands",
                        inner.location());
            }
        }
        try {
            verify(region, context);
        } catch (VerificationException e) {
            throw new VerificationException(where + ", region '" + region.name() + "': " + e.getMessage(), e.location());
        }
    }

    private static String describe(List<TensorType> types) {
        return types.isEmpty() ? "nothing" : types.toString();
    }
}
