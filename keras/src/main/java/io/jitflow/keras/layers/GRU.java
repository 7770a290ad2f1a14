package io.jitflow.keras.layers;

import io.jitflow.Index;
import io.jitflow.Jf;
import io.jitflow.Tensor;
import java.util.List;

/**
 * Gated recurrent unit, as keras.layers.GRU with its default {@code reset_after=True}: gates in
 * Keras's order z, r, h; the bias [2, 3 * units] holds the input projection's bias, then the
 * recurrent one's; {@code h = z * h + (1 - z) * tanh(x_h + r * (h @ U_h + b_h))}.
 */
public final class GRU extends Recurrent {
    public GRU(int units) {
        super("gru", units);
    }

    @Override
    protected int gates() {
        return 3;
    }

    @Override
    protected int[] biasShape() {
        return new int[] {2, 3 * units};
    }

    @Override
    protected Tensor inputBias() {
        return Jf.get(bias, Index.at(0));
    }

    @Override
    protected Recurrent newLayer(int units) {
        return new GRU(units);
    }

    @Override
    protected List<Tensor> step(Tensor projected, List<Tensor> states, Tensor recurrent) {
        Tensor h = states.get(0);
        Tensor inner = Jf.matmul(h, recurrent).add(Jf.get(bias, Index.at(1)));
        Tensor z = recurrentActivation.apply(gate(projected, 0).add(gate(inner, 0)));
        Tensor r = recurrentActivation.apply(gate(projected, 1).add(gate(inner, 1)));
        Tensor candidate = activation.apply(gate(projected, 2).add(r.mul(gate(inner, 2))));
        return List.of(z.mul(h).add(Jf.onesLike(z).sub(z).mul(candidate)));
    }
}
