package io.jitflow.onnx;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;

/**
 * An ONNX value during import: a graph value, a constant known at import time (folded shape
 * computations, initializers, Constant nodes), or both once a constant has been placed in the graph;
 * or a shape holding symbolic dims ({@link #dims}), which only shape computations may move around.
 */
final class Operand {
    final TensorType type;
    Value value;
    final HostTensor constant;
    /** An integer tensor of dims, symbolic ones as {@link OnnxImporter#symbolValue} codes; null for other values. */
    final HostTensor dims;

    Operand(Value value) {
        this.type = value.type();
        this.value = value;
        this.constant = null;
        this.dims = null;
    }

    Operand(HostTensor constant) {
        this.type = constant.type();
        this.constant = constant;
        this.dims = null;
    }

    private Operand(TensorType type, HostTensor dims) {
        this.type = type;
        this.constant = null;
        this.dims = dims;
    }

    /** A shape value holding symbolic dims, encoded as {@link OnnxImporter#symbolValue} gives them. */
    static Operand symbolicDims(HostTensor encoded) {
        return new Operand(encoded.type(), encoded);
    }

    boolean isSymbolicDims() {
        return dims != null;
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
