package io.jitflow.keras.layers;

/**
 * A convolution over 3 spatial dim(s) of channels-last inputs, as keras.layers.Conv3D: {@code filters}
 * outputs per position, strides 1 and padding "valid" unless given.
 */
public final class Conv3D extends Convolution {
    public Conv3D(int filters, int kernelSize) {
        this(filters, kernelSize, "linear");
    }

    public Conv3D(int filters, int kernelSize, String activation) {
        this(filters, Pooling.repeated(3, kernelSize), Pooling.repeated(3, 1), "valid", activation);
    }

    public Conv3D(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        this(filters, kernelSize, strides, padding, Pooling.ones(3), activation);
    }

    public Conv3D(int filters, int[] kernelSize, int[] strides, String padding, int[] dilation, String activation) {
        super("conv3d", filters, kernelSize, strides, padding, dilation, activation);
    }
}
