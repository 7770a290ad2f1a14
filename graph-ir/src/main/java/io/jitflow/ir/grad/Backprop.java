package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reverse accumulation over recorded ops, shared by the gradient tape, the composites' gradients
 * and the vector-Jacobian products of regions: walks the steps backwards, applies each op's
 * gradient rule through a builder and sums the gradients each value receives.
 */
public final class Backprop {
    private Backprop() {
    }

    /** One applied op: what a gradient rule needs to know about it. */
    public record Step(Op op, Attributes attrs, List<OpValue> operands, List<OpValue> results, List<Function> regions) {
    }

    /**
     * Adds to {@code grads} (keyed by identity, holding the seeds on entry) the gradient of every
     * operand that {@code wanted} accepts and that some seed depends on through {@code steps}.
     */
    public static void run(OpBuilder b, List<Step> steps, Map<OpValue, OpValue> grads, Predicate<OpValue> wanted) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            Step step = steps.get(i);
            List<OpValue> upstream = new ArrayList<>();
            boolean any = false;
            for (OpValue out : step.results()) {
                OpValue g = grads.get(out);
                any |= g != null;
                upstream.add(g != null ? g : b.fillLike(out, 0));
            }
            if (!any) {
                continue;
            }
            List<OpValue> operandGrads = Gradients.rule(step.op()).apply(new GradientRule.Call(b, step.attrs(),
                    step.operands(), step.results(), upstream, step.regions()));
            for (int k = 0; k < operandGrads.size(); k++) {
                OpValue in = step.operands().get(k);
                OpValue g = operandGrads.get(k);
                if (g != null && wanted.test(in)) {
                    grads.merge(in, g, b::add);
                }
            }
        }
    }

    /** Applies ops through another builder, remembering each one as a step. */
    public static final class Recorder implements OpBuilder {
        private final OpBuilder target;
        private final List<Step> steps = new ArrayList<>();

        public Recorder(OpBuilder target) {
            this.target = target;
        }

        public List<Step> steps() {
            return steps;
        }

        @Override
        public List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands, List<Function> regions) {
            List<OpValue> results = target.apply(op, attrs, operands, regions);
            steps.add(new Step(op, io.jitflow.ir.NodeFactory.complete(op, attrs), List.copyOf(operands),
                    List.copyOf(results), regions));
            return results;
        }

        @Override
        public io.jitflow.ir.grad.OpValue constant(io.jitflow.ir.HostTensor value) {
            return target.constant(value);
        }
    }
}
