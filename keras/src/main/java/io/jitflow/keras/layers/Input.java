package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Shape;

/** Declares a model's input shape, without the batch dim: {@code new Input(28, 28)}. */
public final class Input extends Layer {
    private final int[] shape;

    public Input(int... shape) {
        super("input");
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException("Input: every dim must be positive, got "
                        + java.util.Arrays.toString(shape));
            }
        }
        this.shape = shape.clone();
    }

    public int[] shape() {
        return shape.clone();
    }

    @Override
    protected Shape create(Shape input) {
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return x;
    }
}
