package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.Initializer;
import java.util.List;

/**
 * Long short-term memory, as keras.layers.LSTM: gates in Keras's order i, f, c, o;
 * {@code c = f * c + i * tanh(z_c)}, {@code h = o * tanh(c)}, with sigmoid gates. The forget gate's
 * bias starts at 1 ({@code unit_forget_bias}), the recurrent kernel orthogonal.
 */
public final class LSTM extends Recurrent {
    public LSTM(int units) {
        super("lstm", units);
    }

    @Override
    protected int gates() {
        return 4;
    }

    @Override
    protected int stateCount() {
        return 2;
    }

    @Override
    protected Initializer biasInitializer() {
        return (shape, seed) -> {
            float[] b = new float[shape[0]];
            java.util.Arrays.fill(b, units, 2 * units, 1f);
            return Jf.constant(b);
        };
    }

    @Override
    protected Recurrent newLayer(int units) {
        return new LSTM(units);
    }

    @Override
    protected List<Tensor> step(Tensor projected, List<Tensor> states, Tensor recurrent) {
        Tensor z = projected.add(Jf.matmul(states.get(0), recurrent));
        Tensor i = recurrentActivation.apply(gate(z, 0));
        Tensor f = recurrentActivation.apply(gate(z, 1));
        Tensor candidate = activation.apply(gate(z, 2));
        Tensor o = recurrentActivation.apply(gate(z, 3));
        Tensor c = f.mul(states.get(1)).add(i.mul(candidate));
        return List.of(o.mul(activation.apply(c)), c);
    }
}
