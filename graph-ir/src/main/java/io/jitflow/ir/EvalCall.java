package io.jitflow.ir;

import java.util.List;

/** The arguments of one reference evaluation: the op, operand values, attributes, regions and context. */
public record EvalCall(Op op, List<HostTensor> operands, Attributes attrs, List<Function> regions, EvalContext context) {

    /** A call for an op without regions. */
    public EvalCall(Op op, List<HostTensor> operands, Attributes attrs, EvalContext context) {
        this(op, operands, attrs, List.of(), context);
    }

    public HostTensor operand(int i) {
        return operands.get(i);
    }

    public EvaluationException error(String message) {
        return new EvaluationException(op.mnemonic() + ": " + message);
    }
}
