package io.jitflow.keras.layers;

/** The maximum of each channel over the spatial axes of (batch, steps, channels), as keras.layers.GlobalMaxPooling1D. */
public final class GlobalMaxPooling1D extends GlobalPooling {
    public GlobalMaxPooling1D() {
        super("global_max_pooling1d", true, 1);
    }
}
