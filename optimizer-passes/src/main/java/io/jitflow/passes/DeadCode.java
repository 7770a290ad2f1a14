package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Removes nodes whose results nothing uses; variable assignments always stay. */
public final class DeadCode implements Pass {
    @Override
    public String name() {
        return "dce";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Set<Value> live = new HashSet<>();
        f.outputs().forEach(o -> live.add(o.value()));
        List<Node> kept = new ArrayList<>();
        List<Node> nodes = f.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean needed = n.op() == Op.ASSIGN_VARIABLE || n.outputs().stream().anyMatch(live::contains);
            if (needed) {
                kept.add(n);
                live.addAll(n.inputs());
            }
        }
        if (kept.size() == nodes.size()) {
            return f;
        }
        Collections.reverse(kept);
        return new Function(f.name(), f.inputs(), kept, f.outputs());
    }
}
