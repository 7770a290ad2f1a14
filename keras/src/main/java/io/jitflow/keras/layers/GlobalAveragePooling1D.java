package io.jitflow.keras.layers;

/** The average of each channel over the spatial axes of (batch, steps, channels), as keras.layers.GlobalAveragePooling1D. */
public final class GlobalAveragePooling1D extends GlobalPooling {
    public GlobalAveragePooling1D() {
        super("global_average_pooling1d", false, 1);
    }
}
