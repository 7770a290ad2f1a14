package io.jitflow.keras;

import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import java.util.List;

/**
 * A stack of layers, as keras.Sequential: each layer's output is the next one's input. An
 * {@link Input} first declares the input shape; otherwise the first call (fit, predict) decides it.
 */
public final class Sequential extends Model {
    public Sequential(Layer... layers) {
        super("sequential");
        for (Layer l : layers) {
            add(l);
        }
    }

    public Sequential(List<Layer> layers) {
        super("sequential");
        layers.forEach(this::add);
    }

    /**
     * Adds a layer; an {@link Input} only declares the input shape and is not listed among the
     * layers. A model built already (by summary, fit, predict) builds the new layer on the last
     * one's output and compiles its steps again (Keras's add after use); the layers before keep
     * their weights.
     */
    public Sequential add(Layer layer) {
        addLayer(layer);
        return this;
    }

    @Override
    public Sequential runEagerly(boolean on) {
        super.runEagerly(on);
        return this;
    }
}
