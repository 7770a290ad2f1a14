package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts commutative ops' operands in one order: constants last, otherwise in order of definition.
 * Later rules then match one shape ({@code add(x, 0)}, never {@code add(0, x)}) and CSE sees
 * {@code add(a, b)} and {@code add(b, a)} as the same node.
 */
public final class Canonicalize implements Pass {
    @Override
    public String name() {
        return "canonicalize";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Map<Value, Integer> order = new HashMap<>();
        f.inputs().forEach(v -> order.put(v, order.size()));
        Constants constants = new Constants();
        Rewriter r = new Rewriter(f, context, "c");
        for (Node n : f.nodes()) {
            constants.record(n);
            if (n.op().has(Op.Trait.COMMUTATIVE) && n.inputs().size() == 2 && outOfOrder(n.inputs(), constants, order)) {
                List<Value> swapped = new ArrayList<>(List.of(n.inputs().get(1), n.inputs().get(0)));
                n = n.withInputs(swapped);
                r.markChanged();
            }
            r.keep(n);
            n.outputs().forEach(v -> order.put(v, order.size()));
        }
        return r.finish();
    }

    private static boolean outOfOrder(List<Value> in, Constants constants, Map<Value, Integer> order) {
        boolean firstConstant = constants.isConstant(in.get(0));
        boolean secondConstant = constants.isConstant(in.get(1));
        if (firstConstant != secondConstant) {
            return firstConstant;
        }
        return order.getOrDefault(in.get(0), 0) > order.getOrDefault(in.get(1), 0);
    }
}
