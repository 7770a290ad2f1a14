package io.jitflow.keras.layers;

/**
 * A convolution over 1 spatial dim(s) of channels-last inputs, as keras.layers.Conv1D: {@code filters}
 * outputs per position, strides 1 and padding "valid" unless given.
 */
public final class Conv1D extends Convolution {
    public Conv1D(int filters, int kernelSize) {
        this(filters, kernelSize, "linear");
    }

    public Conv1D(int filters, int kernelSize, String activation) {
        this(filters, Pooling.repeated(1, kernelSize), Pooling.repeated(1, 1), "valid", activation);
    }

    public Conv1D(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        this(filters, kernelSize, strides, padding, Pooling.ones(1), activation);
    }

    public Conv1D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilation, String activation) {
        super("conv1d", filters, kernelSize, strides, padding, dilation, activation);
    }
}
