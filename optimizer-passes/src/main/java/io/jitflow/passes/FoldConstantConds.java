package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A cond whose predicate is a constant becomes the branch it takes: that region's nodes, inlined
 * with fresh names, its inputs read as the cond's captures. (After fold-constants, a predicate
 * computed from constants is a constant.)
 */
public final class FoldConstantConds implements Pass {
    @Override
    public String name() {
        return "fold-cond";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Map<Value, HostTensor> constants = new HashMap<>();
        for (Node n : f.nodes()) {
            if (n.op() == Op.CONSTANT) {
                constants.put(n.output(), n.attributes().getTensor("value"));
            }
        }
        if (f.nodes().stream().noneMatch(n -> n.op() == Op.COND && constants.containsKey(n.inputs().get(0)))) {
            return f;
        }
        Rewriter r = new Rewriter(f, context, "b");
        for (Node n : f.nodes()) {
            HostTensor pred = n.op() == Op.COND ? constants.get(n.inputs().get(0)) : null;
            if (pred == null) {
                r.keep(n);
                continue;
            }
            Function taken = n.regions().get(pred.getBool(0) ? 0 : 1);
            Map<Value, Value> inlined = new HashMap<>();
            for (int i = 0; i < taken.inputs().size(); i++) {
                inlined.put(taken.inputs().get(i), r.resolve(n.inputs().get(i + 1)));
            }
            for (Node inner : taken.nodes()) {
                List<Value> results = r.emitCopy(inner, inner.inputs().stream().map(inlined::get).toList());
                for (int i = 0; i < results.size(); i++) {
                    inlined.put(inner.outputs().get(i), results.get(i));
                }
            }
            for (int i = 0; i < n.outputs().size(); i++) {
                r.replace(n.outputs().get(i), inlined.get(taken.outputs().get(i).value()));
            }
        }
        return r.finish();
    }
}
