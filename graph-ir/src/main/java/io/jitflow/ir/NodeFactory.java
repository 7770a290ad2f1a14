package io.jitflow.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a node's attributes against its op, fills in defaults and infers its result types. Every
 * way of building a graph (builder, parser, tracer, passes) goes through here, so a node in a graph
 * always has complete, well-typed attributes.
 */
public final class NodeFactory {
    private NodeFactory() {
    }

    /** The attributes with defaults filled in, or an error naming the op and attribute. */
    public static Attributes complete(Op op, Attributes given) {
        OpDef def = op.definition();
        if (def.attributes().isEmpty() && given.asMap().isEmpty()) {
            return given;
        }
        Map<String, Attr> values = new java.util.TreeMap<>(given.asMap());
        for (String name : values.keySet()) {
            if (def.attribute(name) == null) {
                throw new OpTypeException(op.mnemonic() + ": unknown attribute '" + name + "'" + expectedAttributes(def));
            }
        }
        for (AttrSpec spec : def.attributes()) {
            Attr value = values.get(spec.name());
            if (value == null) {
                if (spec.required()) {
                    throw new OpTypeException(op.mnemonic() + ": missing required attribute '" + spec.name()
                            + "' of kind " + spec.kind().name().toLowerCase());
                }
                if (spec.defaultValue() != null) {
                    values.put(spec.name(), spec.defaultValue());
                }
            } else if (value.kind() != spec.kind()) {
                throw new OpTypeException(op.mnemonic() + ": attribute '" + spec.name() + "' must be of kind "
                        + spec.kind().name().toLowerCase() + ", got " + value.kind().name().toLowerCase());
            }
        }
        return Attributes.of(values);
    }

    private static String expectedAttributes(OpDef def) {
        if (def.attributes().isEmpty()) {
            return " (it takes none)";
        }
        List<String> names = new ArrayList<>();
        for (AttrSpec s : def.attributes()) {
            names.add(s.name());
        }
        return " (expected one of " + String.join(", ", names) + ")";
    }

    /** Checks the operand count and infers result types; attributes must already be complete. */
    public static List<TensorType> infer(Op op, List<TensorType> operandTypes, Attributes attrs, InferenceContext context) {
        return infer(op, operandTypes, attrs, List.of(), context);
    }

    /** As above, for an op with regions (control flow), which only control-flow ops take. */
    public static List<TensorType> infer(Op op, List<TensorType> operandTypes, Attributes attrs, List<Function> regions,
                                         InferenceContext context) {
        if (!regions.isEmpty() && !op.has(Op.Trait.CONTROL)) {
            throw new OpTypeException(op.mnemonic() + ": takes no regions, got " + regions.size());
        }
        OpDef def = op.definition();
        int n = operandTypes.size();
        if (n < def.minOperands() || n > def.maxOperands()) {
            String expected = def.minOperands() == def.maxOperands() ? Integer.toString(def.minOperands())
                    : def.maxOperands() == OpDef.VARIADIC ? "at least " + def.minOperands()
                    : def.minOperands() + " to " + def.maxOperands();
            throw new OpTypeException(op.mnemonic() + ": expected " + expected + " operand" + (expected.equals("1") ? "" : "s")
                    + ", got " + n);
        }
        InferCall call = new InferCall(op, operandTypes, attrs, regions, context);
        List<TensorType> results;
        try {
            results = def.inference().infer(call);
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException | NegativeArraySizeException e) {
            // Attributes whose sizes overflow (tile by 2^31 - 1, say) end here, not in a crash.
            throw call.error("the attributes give no valid result: " + e.getMessage());
        }
        for (TensorType t : results) {
            String problem = t.shape().unrepresentable();
            if (problem != null) {
                throw call.error("the result would be " + t + ": " + problem);
            }
        }
        return results;
    }
}
