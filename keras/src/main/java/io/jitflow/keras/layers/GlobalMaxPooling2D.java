package io.jitflow.keras.layers;

/** The maximum of each channel over the spatial axes of (batch, height, width, channels), as keras.layers.GlobalMaxPooling2D. */
public final class GlobalMaxPooling2D extends GlobalPooling {
    public GlobalMaxPooling2D() {
        super("global_max_pooling2d", true, 2);
    }
}
