package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the sequence and concatenates
 * their outputs on the last axis, as keras.layers.Bidirectional with {@code merge_mode="concat"}:
 * with sequences, the backward outputs are put back in time order first. Weights: the forward
 * layer's, then the backward one's.
 */
public final class Bidirectional extends Layer {
    private final Recurrent forward;
    private final Recurrent backward;

    public Bidirectional(Recurrent layer) {
        super("bidirectional");
        if (layer.isBuilt()) {
            throw new IllegalArgumentException("Bidirectional needs an unbuilt layer, got " + layer.name() + ", already built");
        }
        this.forward = layer;
        this.backward = layer.sameConfiguration().goBackwards(true);
    }

    @Override
    protected Shape create(Shape input) {
        Shape out = forward.build(input);
        backward.build(input);
        List<Dim> dims = new ArrayList<>(out.dims());
        dims.set(dims.size() - 1, Dim.of(2 * forward.units()));
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor back = backward.call(x, context);
        if (forward.returnsSequences()) {
            back = Jf.slice(back, ":, ::-1");
        }
        return Jf.concat(List.of(forward.call(x, context), back), -1);
    }

    @Override
    public List<Variable> weights() {
        List<Variable> all = new ArrayList<>(forward.weights());
        all.addAll(backward.weights());
        return all;
    }

    @Override
    public void unbuild() {
        super.unbuild();
        forward.unbuild();
        backward.unbuild();
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("layer", Layers.serialize(forward));
    }
}
