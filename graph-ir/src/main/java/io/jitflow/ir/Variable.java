package io.jitflow.ir;

/** A named stateful slot with a fixed dtype and static shape, and the value it starts with. */
public record Variable(String name, TensorType type, HostTensor initialValue, boolean trainable) {
    public Variable {
        if (!type.shape().isStatic()) {
            throw new IllegalArgumentException("variable @" + name + " must have a static shape, got " + type);
        }
        if (!initialValue.type().equals(type)) {
            throw new IllegalArgumentException("variable @" + name + " is declared " + type
                    + " but its initial value is " + initialValue.type());
        }
    }
}
