package io.jitflow.onnx;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;

/**
 * An ONNX value during import: a graph value, a constant known at import time (folded shape
 * computations, initializers, Constant nodes), or both once a constant has been placed in the graph.
 */
final class Operand {
    final TensorType type;
    Value value;
    final HostTensor constant;

    Operand(Value value) {
        this.type = value.type();
        this.value = value;
        this.constant = null;
    }

    Operand(HostTensor constant) {
        this.type = constant.type();
        this.constant = constant;
    }

    boolean isConstant() {
        return constant != null;
    }

    Shape shape() {
        return type.shape();
    }

    int rank() {
        return type.rank();
    }
}
