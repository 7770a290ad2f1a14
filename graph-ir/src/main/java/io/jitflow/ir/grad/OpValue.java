package io.jitflow.ir.grad;

import io.jitflow.ir.TensorType;

/**
 * A value that ops can be applied to: an eager tensor, a symbolic tensor while tracing, or a value in
 * a graph being differentiated. Gradient rules see only this.
 */
public interface OpValue {
    TensorType type();
}
