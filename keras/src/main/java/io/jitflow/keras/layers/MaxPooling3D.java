package io.jitflow.keras.layers;

/**
 * The maximum of each channel over windows of 3 spatial dim(s), as keras.layers.MaxPooling3D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class MaxPooling3D extends Pooling {
    public MaxPooling3D() {
        this(2);
    }

    public MaxPooling3D(int poolSize) {
        this(repeated(3, poolSize), repeated(3, poolSize), "valid");
    }

    public MaxPooling3D(int poolSize, int strides, String padding) {
        this(repeated(3, poolSize), repeated(3, strides), padding);
    }

    public MaxPooling3D(int[] poolSize, int[] strides, String padding) {
        super("max_pooling3d", true, poolSize, strides, padding);
    }
}
