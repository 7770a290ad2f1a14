package io.jitflow.keras.layers;

/**
 * The maximum of each channel over windows of 1 spatial dim(s), as keras.layers.MaxPooling1D: pool size 2
 * by default, strides equal to the pool size unless given, padding "valid" or "same".
 */
public final class MaxPooling1D extends Pooling {
    public MaxPooling1D() {
        this(2);
    }

    public MaxPooling1D(int poolSize) {
        this(repeated(1, poolSize), repeated(1, poolSize), "valid");
    }

    public MaxPooling1D(int poolSize, int strides, String padding) {
        this(repeated(1, poolSize), repeated(1, strides), padding);
    }

    public MaxPooling1D(int[] poolSize, int[] strides, String padding) {
        super("max_pooling1d", true, poolSize, strides, padding);
    }
}
