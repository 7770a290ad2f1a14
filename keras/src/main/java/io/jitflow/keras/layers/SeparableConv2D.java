package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.Window;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;

/**
 * A depthwise-separable convolution, as keras.layers.SeparableConv2D: a depthwise convolution
 * (see {@link DepthwiseConv2D}) followed by a 1x1 convolution to {@code filters} channels, then a
 * bias per filter.
 */
public final class SeparableConv2D extends SlidingWindowLayer {
    private final int filters;
    private final int depthMultiplier;
    private final int[] kernelSize;
    private final ActivationFunction activation;
    private final long seed = Jf.nextSeed();
    private Variable depthwiseKernel;
    private Variable pointwiseKernel;
    private Variable bias;

    public SeparableConv2D(int filters, int kernelSize) {
        this(filters, Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", 1, "linear");
    }

    public SeparableConv2D(int filters, int[] kernelSize, int[] strides, String padding, int depthMultiplier,
                           String activation) {
        super("separable_conv2d", kernelSize, strides, Pooling.ones(2), padding);
        if (filters <= 0 || depthMultiplier <= 0) {
            throw new IllegalArgumentException("SeparableConv2D needs filters and depthMultiplier > 0, got " + filters
                    + " and " + depthMultiplier);
        }
        this.filters = filters;
        this.depthMultiplier = depthMultiplier;
        this.kernelSize = kernelSize.clone();
        this.activation = ActivationFunction.of(activation);
    }

    @Override
    protected Shape create(Shape input) {
        int channels = input.dim(input.rank() - 1).size();
        Shape out = outputShape(input, filters);
        depthwiseKernel = addWeight("depthwise_kernel", new int[] {kernelSize[0], kernelSize[1], channels, depthMultiplier},
                Initializer.GLOROT_UNIFORM, seed);
        pointwiseKernel = addWeight("pointwise_kernel", new int[] {1, 1, channels * depthMultiplier, filters},
                Initializer.GLOROT_UNIFORM, seed + 1);
        bias = addWeight("bias", new int[] {filters}, Initializer.ZEROS, seed + 2);
        return out;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor spatial = DepthwiseConv2D.depthwise(x, depthwiseKernel, kernelSize, window());
        return activation.apply(Jf.conv(spatial, pointwiseKernel, Window.valid()).add(bias));
    }
}
