package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import java.util.Map;

/** Applies an activation function, as keras.layers.Activation. */
public final class Activation extends Layer {
    private final ActivationFunction function;

    public Activation(String name) {
        this(ActivationFunction.of(name));
    }

    public Activation(ActivationFunction function) {
        super("activation");
        this.function = function;
    }

    @Override
    protected Shape create(Shape input) {
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return function.apply(x);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("activation", function.name());
    }
}
