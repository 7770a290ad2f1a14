package io.jitflow.keras.layers;

/**
 * The average of each channel over windows of 1 spatial dim(s), as keras.layers.AveragePooling1D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class AveragePooling1D extends Pooling {
    public AveragePooling1D() {
        this(2);
    }

    public AveragePooling1D(int poolSize) {
        this(repeated(1, poolSize), repeated(1, poolSize), "valid");
    }

    public AveragePooling1D(int poolSize, int strides, String padding) {
        this(repeated(1, poolSize), repeated(1, strides), padding);
    }

    public AveragePooling1D(int[] poolSize, int[] strides, String padding) {
        super("average_pooling1d", false, poolSize, strides, padding);
    }
}
