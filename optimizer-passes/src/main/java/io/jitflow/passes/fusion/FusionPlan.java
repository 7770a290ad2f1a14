package io.jitflow.passes.fusion;

import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fusion's decisions about a function that need no lowering state, made once before lowering:
 * where each value is defined and used, which values are read whole (by matmul or scatter_add),
 * which values always get a buffer of their own, and which matmuls absorb an elementwise chain as
 * their epilogue.
 */
final class FusionPlan {
    private final Map<Value, Node> definitions = new HashMap<>();
    private final Map<Value, Integer> uses = new HashMap<>();
    private final Map<Value, Node> firstConsumer = new HashMap<>();
    private final Set<Value> bufferOperands = new HashSet<>();
    private final Set<Value> outputs = new HashSet<>();
    /** Each matmul whose kernel also computes an epilogue chain, mapped to the chain's last value. */
    private final Map<Value, Value> epilogueEnd = new HashMap<>();
    /** The inverse: each epilogue's last value, mapped to its matmul's result. */
    private final Map<Value, Value> matmulOfEpilogue = new HashMap<>();
    /** The values of every epilogue chain, the matmul's result included: computed inside the matmul's kernel. */
    private final Set<Value> inEpilogue = new HashSet<>();

    private FusionPlan(Function function) {
        for (Node n : function.nodes()) {
            n.outputs().forEach(v -> definitions.put(v, n));
            n.inputs().forEach(v -> uses.merge(v, 1, Integer::sum));
            n.inputs().forEach(v -> firstConsumer.putIfAbsent(v, n));
            if (n.op() == Op.MATMUL || n.op() == Op.SCATTER_ADD || WindowKernels.handles(n.op())
                    || n.op().has(Op.Trait.CONTROL)) {
                bufferOperands.addAll(n.inputs());
            }
        }
        for (Function.Output o : function.outputs()) {
            uses.merge(o.value(), 1, Integer::sum);
            outputs.add(o.value());
        }
        planEpilogues(function);
        epilogueEnd.forEach((matmul, end) -> matmulOfEpilogue.put(end, matmul));
    }

    static FusionPlan of(Function function) {
        return new FusionPlan(function);
    }

    /** The node that defines {@code v}, or null for a function input. */
    Node definition(Value v) {
        return definitions.get(v);
    }

    boolean isOutput(Value v) {
        return outputs.contains(v);
    }

    /** Whether an op that reads whole buffers (matmul, scatter_add, the windowed ops) reads {@code v}. */
    boolean feedsBufferOp(Value v) {
        return bufferOperands.contains(v);
    }

    /**
     * Whether {@code v} needs a buffer of its own: the result of an op with its own loop structure
     * (a reduction, matmul, softmax, scatter, variable read), a constant of more than one element,
     * or a value used more than once or read whole; never a matmul's result computed inside its
     * epilogue's kernel.
     */
    boolean needsBuffer(Value v) {
        Node n = definitions.get(v);
        if (n == null || epilogueEnd.containsKey(v)) {
            return false;
        }
        Op op = n.op();
        if (op.has(Op.Trait.REDUCTION) || op.has(Op.Trait.OWN_KERNEL) || op.has(Op.Trait.CONTROL) || op == Op.READ_VARIABLE) {
            return true;
        }
        if (op == Op.CONSTANT) {
            return !inlined(n.attributes().getTensor("value"));
        }
        return uses.getOrDefault(v, 0) > 1 || feedsBufferOp(v);
    }

    /** Whether a constant is inlined into the code that reads it: a single element (an empty one needs a buffer). */
    static boolean inlined(HostTensor constant) {
        return constant.size() == 1;
    }

    /** The matmul whose epilogue ends at {@code v}, or null. */
    Value matmulEndingAt(Value v) {
        return matmulOfEpilogue.get(v);
    }

    /** Whether {@code v} is computed inside a matmul's kernel, as its result or part of its epilogue. */
    boolean inEpilogue(Value v) {
        return inEpilogue.contains(v);
    }

    /**
     * A matmul or convolution whose result has one use, by an elementwise op of the same shape,
     * leading through single-use same-shape elementwise ops to a value that needs a buffer: that
     * value's kernel is the matmul's (the convolution's), with the chain as its epilogue (conv +
     * bias + relu is one kernel).
     */
    private void planEpilogues(Function function) {
        for (Node n : function.nodes()) {
            if (!(n.op() == Op.MATMUL || n.op() == Op.CONV || n.op() == Op.CONV_TRANSPOSE) || isOutput(n.output())) {
                continue;
            }
            Value current = n.output();
            List<Value> chain = new ArrayList<>(List.of(current));
            while (uses.getOrDefault(current, 0) == 1 && !isOutput(current)) {
                Node consumer = firstConsumer.get(current);
                if (consumer != null && consumer.op() == Op.ASSIGN_VARIABLE && !current.equals(n.output())) {
                    // An update such as w - lr * (x^T g): the matmul kernel writes the variable's new value.
                    epilogueEnd.put(n.output(), current);
                    break;
                }
                if (consumer == null || !consumer.op().has(Op.Trait.ELEMENTWISE) || consumer.outputs().size() != 1
                        || !consumer.output().type().shape().equals(n.output().type().shape())) {
                    break;
                }
                if (inEpilogue.contains(consumer.output())) {
                    // Two chains meet (a residual add of two convolutions): the earlier one computes
                    // the meeting point, this one ends before it, in a buffer the other loads.
                    if (chain.size() > 1) {
                        epilogueEnd.put(n.output(), current);
                    }
                    break;
                }
                current = consumer.output();
                chain.add(current);
                if (uses.getOrDefault(current, 0) != 1 || isOutput(current) || feedsBufferOp(current)
                        || chain.size() > KernelLowering.MAX_FUSED_OPS / 2) {
                    epilogueEnd.put(n.output(), current);
                    break;
                }
            }
            if (epilogueEnd.containsKey(n.output())) {
                inEpilogue.addAll(chain);
            }
        }
    }
}
