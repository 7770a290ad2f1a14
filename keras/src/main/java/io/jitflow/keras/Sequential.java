package io.jitflow.keras;

import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import io.jitflow.keras.layers.LayerConfig;
import io.jitflow.keras.layers.Layers;
import java.util.List;
import java.util.Map;

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

    /** The Sequential model a {@link Model#getConfig} describes: its input shape when it has one, and its layers. */
    @SuppressWarnings("unchecked")
    static Sequential fromConfig(Map<String, Object> config) {
        Sequential sequential = new Sequential();
        if (config.containsKey("input_shape")) {
            sequential.add(new Input(new LayerConfig("Sequential", config).ints("input_shape")));
        }
        if (!(config.get("layers") instanceof List<?> list)) {
            throw new IllegalArgumentException("Sequential config: 'layers' must be a list");
        }
        for (Object layer : list) {
            if (!(layer instanceof Map<?, ?> serialized)) {
                throw new IllegalArgumentException("Sequential config: a layer must be a map, got " + layer);
            }
            sequential.add(Layers.deserialize((Map<String, Object>) serialized));
        }
        return sequential;
    }

    @Override
    public Sequential runEagerly(boolean on) {
        super.runEagerly(on);
        return this;
    }
}
