package io.jitflow.keras.layers;

/**
 * A convolution over 2 spatial dim(s) of channels-last inputs, as keras.layers.Conv2D: {@code filters}
 * outputs per position, strides 1 and padding "valid" unless given.
 */
public final class Conv2D extends Convolution {
    public Conv2D(int filters, int kernelSize) {
        this(filters, kernelSize, "linear");
    }

    public Conv2D(int filters, int kernelSize, String activation) {
        this(filters, Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", activation);
    }

    public Conv2D(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        this(filters, kernelSize, strides, padding, Pooling.ones(2), activation);
    }

    public Conv2D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilation, String activation) {
        super("conv2d", filters, kernelSize, strides, padding, dilation, activation);
    }
}
