package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.Window;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * A depthwise-separable convolution, as keras.layers.SeparableConv2D: a depthwise convolution
 * (see {@link DepthwiseConv2D}) followed by a 1x1 convolution to {@code filters} channels, then a
 * bias per filter.
 */
public final class SeparableConv2D extends DepthwiseLayer {
    private final int filters;
    private Variable pointwiseKernel;
    private Variable bias;

    public SeparableConv2D(int filters, int kernelSize) {
        this(filters, Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", 1, "linear");
    }

    public SeparableConv2D(int filters, int[] kernelSize, int[] strides, String padding, int depthMultiplier,
                           String activation) {
        super("separable_conv2d", kernelSize, strides, padding, depthMultiplier, activation);
        if (filters <= 0) {
            throw new IllegalArgumentException("SeparableConv2D needs filters > 0, got " + filters);
        }
        this.filters = filters;
    }

    @Override
    protected Shape create(Shape input) {
        int depthwiseChannels = addDepthwiseKernel(input);
        pointwiseKernel = addWeight("pointwise_kernel", new int[] {1, 1, depthwiseChannels, filters},
                Initializer.GLOROT_UNIFORM, seed + 1);
        bias = addWeight("bias", new int[] {filters}, Initializer.ZEROS, seed + 2);
        return outputShape(input, filters);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return activation.apply(Jf.conv(depthwise(x), pointwiseKernel, Window.valid()).add(bias));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("filters", filters);
        super.addConfig(config);
    }
}
