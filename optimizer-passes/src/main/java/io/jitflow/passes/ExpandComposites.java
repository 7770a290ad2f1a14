package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.SourceLocation;
import io.jitflow.ir.Value;
import io.jitflow.ir.grad.Composites;
import io.jitflow.ir.grad.GraphValue;
import io.jitflow.ir.grad.OpBuilder;
import io.jitflow.ir.grad.OpValue;
import java.util.List;

/**
 * Replaces each composite op (batch_norm, layer_norm, resize) by its expansion into the ops fusion
 * compiles ({@link Composites#expand}). Fusion runs it on every function it lowers; as a named
 * pass ({@code expand-composites}) it shows the expansion.
 */
public final class ExpandComposites implements Pass {
    @Override
    public String name() {
        return "expand-composites";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        if (f.nodes().stream().noneMatch(n -> n.op().has(Op.Trait.COMPOSITE))) {
            return f;
        }
        Rewriter r = new Rewriter(f, context, "e");
        for (Node n : f.nodes()) {
            if (!n.op().has(Op.Trait.COMPOSITE)) {
                r.keep(n);
                continue;
            }
            List<OpValue> operands = n.inputs().stream().<OpValue>map(v -> new GraphValue(r.resolve(v))).toList();
            OpValue y = Composites.expand(n.op(), n.attributes(), operands, builder(r, n.location()));
            r.replace(n.output(), ((GraphValue) y).value());
        }
        return r.finish();
    }

    /** Emits each op an expansion applies as a node at {@code location}. */
    private static OpBuilder builder(Rewriter r, SourceLocation location) {
        return new OpBuilder() {
            @Override
            public List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands, List<Function> regions) {
                List<Value> values = operands.stream().map(v -> ((GraphValue) v).value()).toList();
                return List.of(new GraphValue(r.emit(op, attrs, values, location)));
            }

            @Override
            public OpValue constant(HostTensor value) {
                return new GraphValue(r.emit(Op.CONSTANT, Attributes.builder().put("value", value).build(), List.of(),
                        location));
            }
        };
    }
}
