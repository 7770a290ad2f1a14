package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.EvalContext;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates nodes whose operands are all constants with the reference semantics and replaces them
 * by constants, when the result has at most {@link #SIZE_LIMIT} elements (so folding never bloats
 * the graph). Random, stateful and control-flow ops are left alone, as are nodes whose evaluation fails (integer
 * division by zero stays a run-time error).
 */
public final class FoldConstants implements Pass {
    public static final int SIZE_LIMIT = 1024;

    @Override
    public String name() {
        return "fold-constants";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Constants constants = new Constants();
        Rewriter r = new Rewriter(f, context, "k");
        for (Node n : f.nodes()) {
            List<Value> inputs = n.inputs().stream().map(r::resolve).toList();
            HostTensor folded = foldable(n, inputs, constants) ? evaluate(n, inputs, constants) : null;
            if (folded == null) {
                r.keep(n);
                constants.record(n.withInputs(inputs));
                continue;
            }
            Attributes attrs = Attributes.builder().put("value", folded).build();
            Value c = r.emit(Op.CONSTANT, attrs, List.of(), n.location());
            constants.record(new Node(Op.CONSTANT, List.of(), attrs, List.of(c), n.location()));
            r.replace(n.output(), c);
        }
        return r.finish();
    }

    private static boolean foldable(Node n, List<Value> inputs, Constants constants) {
        // Loops stay: folding one would run it, for as long as it takes, at compile time.
        if (n.op() == Op.CONSTANT || n.op().has(Op.Trait.RANDOM) || n.op().has(Op.Trait.STATEFUL)
                || n.op().has(Op.Trait.CONTROL)
                || n.outputs().size() != 1) {
            return false;
        }
        Shape shape = n.output().type().shape();
        if (!shape.isStatic() || (long) sizeOf(shape) > SIZE_LIMIT) {
            return false;
        }
        return inputs.stream().allMatch(constants::isConstant);
    }

    private static long sizeOf(Shape shape) {
        long n = 1;
        for (int d : shape.sizes()) {
            n *= d;
        }
        return n;
    }

    private static HostTensor evaluate(Node n, List<Value> inputs, Constants constants) {
        List<HostTensor> values = new ArrayList<>();
        for (Value v : inputs) {
            values.add(constants.get(v));
        }
        try {
            return n.op().definition().evaluation().evaluate(new EvalCall(n.op(), values, n.attributes(), EvalContext.CONSTANT)).get(0);
        } catch (EvaluationException e) {
            return null;
        }
    }
}
