package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges nodes that compute the same thing: same op, same (resolved) operands, same attributes.
 * Stateful nodes are never merged, since a variable may change between two reads.
 */
public final class CommonSubexpressions implements Pass {
    private record Key(Op op, List<Value> inputs, Attributes attrs, List<io.jitflow.ir.Function> regions) {
    }

    @Override
    public String name() {
        return "cse";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Map<Key, Node> seen = new HashMap<>();
        Rewriter r = new Rewriter(f, context, "e");
        for (Node n : f.nodes()) {
            if (n.op().has(Op.Trait.STATEFUL)) {
                r.keep(n);
                continue;
            }
            Key key = new Key(n.op(), n.inputs().stream().map(r::resolve).toList(), n.attributes(), n.regions());
            Node earlier = seen.putIfAbsent(key, n);
            if (earlier == null) {
                r.keep(n);
            } else {
                for (int i = 0; i < n.outputs().size(); i++) {
                    r.replace(n.outputs().get(i), earlier.outputs().get(i));
                }
            }
        }
        return r.finish();
    }
}
