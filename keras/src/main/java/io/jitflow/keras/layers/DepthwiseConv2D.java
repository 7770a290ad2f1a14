package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;

/**
 * A depthwise convolution, as keras.layers.DepthwiseConv2D: each input channel convolved by
 * {@code depthMultiplier} filters of its own (a conv with as many groups as channels), a
 * (height, width, channels, multiplier) kernel and a bias per output channel.
 */
public final class DepthwiseConv2D extends SlidingWindowLayer {
    private final int depthMultiplier;
    private final int[] kernelSize;
    private final ActivationFunction activation;
    private final long seed = Jf.nextSeed();
    private Variable kernel;
    private Variable bias;

    public DepthwiseConv2D(int kernelSize) {
        this(Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", 1, "linear");
    }

    public DepthwiseConv2D(int[] kernelSize, int[] strides, String padding, int depthMultiplier, String activation) {
        super("depthwise_conv2d", kernelSize, strides, Pooling.ones(2), padding);
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException("DepthwiseConv2D needs depthMultiplier > 0, got " + depthMultiplier);
        }
        this.depthMultiplier = depthMultiplier;
        this.kernelSize = kernelSize.clone();
        this.activation = ActivationFunction.of(activation);
    }

    @Override
    protected Shape create(Shape input) {
        int channels = input.dim(input.rank() - 1).size();
        Shape out = outputShape(input, channels * depthMultiplier);
        kernel = addWeight("depthwise_kernel", new int[] {kernelSize[0], kernelSize[1], channels, depthMultiplier},
                Initializer.GLOROT_UNIFORM, seed);
        bias = addWeight("bias", new int[] {channels * depthMultiplier}, Initializer.ZEROS, seed + 1);
        return out;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return activation.apply(depthwise(x, kernel, kernelSize, window()).add(bias));
    }

    /** {@code x} convolved channel by channel with a (height, width, channels, multiplier) kernel. */
    static Tensor depthwise(Tensor x, Variable kernel, int[] kernelSize, io.jitflow.Window window) {
        int[] shape = kernel.shape();
        Tensor filter = kernel.asTensor().reshape(kernelSize[0], kernelSize[1], 1, shape[2] * shape[3]);
        return Jf.conv(x, filter, window.groups(shape[2]));
    }
}
