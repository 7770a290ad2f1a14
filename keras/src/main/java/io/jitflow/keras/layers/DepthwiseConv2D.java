package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;

/**
 * A depthwise convolution, as keras.layers.DepthwiseConv2D: each input channel convolved by
 * {@code depthMultiplier} filters of its own, a (height, width, channels, multiplier) kernel and a
 * bias per output channel.
 */
public final class DepthwiseConv2D extends DepthwiseLayer {
    private Variable bias;

    public DepthwiseConv2D(int kernelSize) {
        this(Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", 1, "linear");
    }

    public DepthwiseConv2D(int[] kernelSize, int[] strides, String padding, int depthMultiplier, String activation) {
        super("depthwise_conv2d", kernelSize, strides, padding, depthMultiplier, activation);
    }

    @Override
    protected Shape create(Shape input) {
        int channels = addDepthwiseKernel(input);
        bias = addWeight("bias", new int[] {channels}, Initializer.ZEROS, seed + 1);
        return outputShape(input, channels);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return activation.apply(depthwise(x).add(bias));
    }
}
