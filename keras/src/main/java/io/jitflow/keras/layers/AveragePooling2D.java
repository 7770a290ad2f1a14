package io.jitflow.keras.layers;

/**
 * The average of each channel over windows of 2 spatial dim(s), as keras.layers.AveragePooling2D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class AveragePooling2D extends Pooling {
    public AveragePooling2D() {
        this(2);
    }

    public AveragePooling2D(int poolSize) {
        this(repeated(2, poolSize), repeated(2, poolSize), "valid");
    }

    public AveragePooling2D(int poolSize, int strides, String padding) {
        this(repeated(2, poolSize), repeated(2, strides), padding);
    }

    public AveragePooling2D(int[] poolSize, int[] strides, String padding) {
        super("average_pooling2d", false, poolSize, strides, padding);
    }
}
