package io.jitflow.ir;

import java.util.List;

/**
 * What an op is: how many operands it takes, its attributes, its type inference and its reference
 * semantics. Built with {@link #builder()}; op families in {@code io.jitflow.ir.ops} make these.
 */
public final class OpDef {
    /** Type inference: operand types and attributes to result types, or an {@link OpTypeException}. */
    @FunctionalInterface
    public interface Inference {
        List<TensorType> infer(InferCall call);
    }

    /** Reference semantics: the normative meaning of the op (see {@link Interpreter}). */
    @FunctionalInterface
    public interface Evaluation {
        List<HostTensor> evaluate(EvalCall call);
    }

    /** Marks an operand count with no upper bound. */
    public static final int VARIADIC = Integer.MAX_VALUE;

    private final int minOperands;
    private final int maxOperands;
    private final List<AttrSpec> attributes;
    private final Inference inference;
    private final Evaluation evaluation;

    private OpDef(Builder b) {
        this.minOperands = b.minOperands;
        this.maxOperands = b.maxOperands;
        this.attributes = List.copyOf(b.attributes);
        this.inference = b.inference;
        this.evaluation = b.evaluation;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int minOperands() {
        return minOperands;
    }

    public int maxOperands() {
        return maxOperands;
    }

    public List<AttrSpec> attributes() {
        return attributes;
    }

    public AttrSpec attribute(String name) {
        for (AttrSpec s : attributes) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    public Inference inference() {
        return inference;
    }

    public Evaluation evaluation() {
        return evaluation;
    }

    /** Call order: operands, attributes, infer, evaluate, build. */
    public static final class Builder {
        private int minOperands;
        private int maxOperands;
        private final java.util.ArrayList<AttrSpec> attributes = new java.util.ArrayList<>();
        private Inference inference;
        private Evaluation evaluation;

        public Builder operands(int count) {
            return operands(count, count);
        }

        public Builder operands(int min, int max) {
            this.minOperands = min;
            this.maxOperands = max;
            return this;
        }

        public Builder attr(AttrSpec spec) {
            attributes.add(spec);
            return this;
        }

        public Builder infer(Inference inference) {
            this.inference = inference;
            return this;
        }

        public Builder evaluate(Evaluation evaluation) {
            this.evaluation = evaluation;
            return this;
        }

        public OpDef build() {
            if (inference == null || evaluation == null) {
                throw new IllegalStateException("an op needs both inference and evaluation");
            }
            return new OpDef(this);
        }
    }
}
