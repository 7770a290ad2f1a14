package io.jitflow.keras.layers;

/** The average of each channel over the spatial axes of (batch, height, width, channels), as keras.layers.GlobalAveragePooling2D. */
public final class GlobalAveragePooling2D extends GlobalPooling {
    public GlobalAveragePooling2D() {
        super("global_average_pooling2d", false, 2);
    }
}
