package io.jitflow.keras.layers;

/**
 * The maximum of each channel over windows of 2 spatial dim(s), as keras.layers.MaxPooling2D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class MaxPooling2D extends Pooling {
    public MaxPooling2D() {
        this(2);
    }

    public MaxPooling2D(int poolSize) {
        this(repeated(2, poolSize), repeated(2, poolSize), "valid");
    }

    public MaxPooling2D(int poolSize, int strides, String padding) {
        this(repeated(2, poolSize), repeated(2, strides), padding);
    }

    public MaxPooling2D(int[] poolSize, int[] strides, String padding) {
        super("max_pooling2d", true, poolSize, strides, padding);
    }
}
