package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * A layer whose first step is a depthwise convolution (DepthwiseConv2D, SeparableConv2D): each
 * input channel convolved by {@code depthMultiplier} filters of its own, a conv with as many
 * groups as channels, from a (height, width, channels, multiplier) kernel.
 */
abstract class DepthwiseLayer extends SlidingWindowLayer {
    final ActivationFunction activation;
    final long seed = Jf.nextSeed();
    private final int depthMultiplier;
    private final int[] kernelSize;
    private Variable depthwiseKernel;

    DepthwiseLayer(String name, int[] kernelSize, int[] strides, String padding, int depthMultiplier, String activation) {
        super(name, kernelSize, strides, Pooling.ones(2), padding);
        if (depthMultiplier <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs depthMultiplier > 0, got "
                    + depthMultiplier);
        }
        this.depthMultiplier = depthMultiplier;
        this.kernelSize = kernelSize.clone();
        this.activation = ActivationFunction.of(activation);
    }

    /** Adds the depthwise kernel for {@code input}; returns the depthwise step's channels. */
    int addDepthwiseKernel(Shape input) {
        spatialOutputs(input);
        int channels = input.dim(input.rank() - 1).size();
        depthwiseKernel = addWeight("depthwise_kernel", new int[] {kernelSize[0], kernelSize[1], channels, depthMultiplier},
                Initializer.GLOROT_UNIFORM, seed);
        return channels * depthMultiplier;
    }

    /** {@code x} convolved channel by channel. */
    Tensor depthwise(Tensor x) {
        int[] shape = depthwiseKernel.shape();
        Tensor filter = depthwiseKernel.asTensor().reshape(kernelSize[0], kernelSize[1], 1, shape[2] * shape[3]);
        return Jf.conv(x, filter, window().groups(shape[2]));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        addWindowConfig(config, "kernel_size", false);
        config.put("depth_multiplier", depthMultiplier);
        config.put("activation", activation.name());
    }
}
