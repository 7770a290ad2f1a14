package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.ActivationFunction;
import java.util.List;

/** {@code h = activation(x_t @ kernel + h @ recurrent_kernel + bias)}, as keras.layers.SimpleRNN (tanh by default). */
public final class SimpleRNN extends Recurrent {
    public SimpleRNN(int units) {
        super("simple_rnn", units);
    }

    public SimpleRNN(int units, String activation) {
        this(units);
        this.activation = ActivationFunction.of(activation);
    }

    @Override
    protected int gates() {
        return 1;
    }

    @Override
    protected Recurrent newLayer(int units) {
        return new SimpleRNN(units);
    }

    @Override
    protected List<Tensor> step(Tensor projected, List<Tensor> states, Tensor recurrent) {
        return List.of(activation.apply(projected.add(Jf.matmul(states.get(0), recurrent))));
    }
}
