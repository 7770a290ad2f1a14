package io.jitflow.ir.grad;

import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;

/** A value of a graph being built or rewritten, as gradient rules and expansions see it. */
public record GraphValue(Value value) implements OpValue {
    @Override
    public TensorType type() {
        return value.type();
    }
}
