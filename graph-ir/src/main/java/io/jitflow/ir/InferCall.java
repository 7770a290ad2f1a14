package io.jitflow.ir;

import java.util.List;

/** The arguments of one type inference: the op, its operand types, its attributes, its regions and context. */
public record InferCall(Op op, List<TensorType> operands, Attributes attrs, List<Function> regions,
                        InferenceContext context) {

    /** A call for an op without regions. */
    public InferCall(Op op, List<TensorType> operands, Attributes attrs, InferenceContext context) {
        this(op, operands, attrs, List.of(), context);
    }

    public TensorType operand(int i) {
        return operands.get(i);
    }

    /** An error prefixed with the op's name, as every inference message should be. */
    public OpTypeException error(String message) {
        return new OpTypeException(op.mnemonic() + ": " + message);
    }

    /** Operands must share one dtype: no silent conversion, as in TensorFlow. */
    public DType commonDType() {
        DType first = operands.get(0).dtype();
        for (TensorType t : operands) {
            if (t.dtype() != first) {
                throw error("operands must have the same dtype, got " + describeOperands()
                        + " (use cast to convert explicitly)");
            }
        }
        return first;
    }

    /** Checks that operand {@code i}'s dtype is of one of the accepted kinds. */
    public DType requireKind(int i, DType.Kind... kinds) {
        DType dt = operands.get(i).dtype();
        for (DType.Kind k : kinds) {
            if (dt.kind() == k) {
                return dt;
            }
        }
        throw error("operand " + i + " has dtype " + dt + ", expected " + describeKinds(kinds));
    }

    public String describeOperands() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < operands.size(); i++) {
            sb.append(i > 0 ? " and " : "").append(operands.get(i));
        }
        return sb.toString();
    }

    static String describeKinds(DType.Kind... kinds) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < kinds.length; i++) {
            sb.append(i == 0 ? "" : i == kinds.length - 1 ? " or " : ", ");
            sb.append(switch (kinds[i]) {
                case BOOL -> "bool";
                case INTEGER -> "an integer dtype (uint8, int32, int64)";
                case FLOAT -> "a floating dtype (float16, float32, float64)";
            });
        }
        return sb.toString();
    }

    /** A normalized axis attribute, or an error naming the op. */
    public int axis(long axis, int rank) {
        try {
            return Shape.normalizeAxis(axis, rank);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }
}
