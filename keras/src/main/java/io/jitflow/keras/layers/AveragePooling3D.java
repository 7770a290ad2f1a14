package io.jitflow.keras.layers;

/**
 * The average of each channel over windows of 3 spatial dim(s), as keras.layers.AveragePooling3D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class AveragePooling3D extends Pooling {
    public AveragePooling3D() {
        this(2);
    }

    public AveragePooling3D(int poolSize) {
        this(repeated(3, poolSize), repeated(3, poolSize), "valid");
    }

    public AveragePooling3D(int poolSize, int strides, String padding) {
        this(repeated(3, poolSize), repeated(3, strides), padding);
    }

    public AveragePooling3D(int[] poolSize, int[] strides, String padding) {
        super("average_pooling3d", false, poolSize, strides, padding);
    }
}
