package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * A convolution over channels-last inputs (the Keras Conv layers are its subclasses): a
 * (window..., channels, filters) kernel, glorot-uniform by default, and a bias per filter, applied
 * by the conv op.
 */
abstract class Convolution extends SlidingWindowLayer {
    private final int filters;
    private final int[] kernelSize;
    private final ActivationFunction activation;
    private final long seed = Jf.nextSeed();
    private Variable kernel;
    private Variable bias;

    Convolution(String name, int filters, int[] kernelSize, int[] strides, String padding, int[] dilation,
                String activation) {
        super(name, kernelSize, strides, dilation, padding);
        if (filters <= 0) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs filters > 0, got " + filters);
        }
        for (int i = 0; i < strides.length; i++) {
            if (strides[i] > 1 && dilation[i] > 1) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " cannot have both strides and "
                        + "dilation above 1, got strides " + java.util.Arrays.toString(strides) + " and dilation "
                        + java.util.Arrays.toString(dilation));
            }
        }
        this.filters = filters;
        this.kernelSize = kernelSize.clone();
        this.activation = ActivationFunction.of(activation);
    }

    @Override
    protected Shape create(Shape input) {
        Shape out = outputShape(input, filters);
        int channels = input.dim(input.rank() - 1).size();
        int[] shape = java.util.Arrays.copyOf(kernelSize, kernelSize.length + 2);
        shape[kernelSize.length] = channels;
        shape[kernelSize.length + 1] = filters;
        kernel = addWeight("kernel", shape, Initializer.GLOROT_UNIFORM, seed);
        bias = addWeight("bias", new int[] {filters}, Initializer.ZEROS, seed + 1);
        return out;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return activation.apply(Jf.conv(x, kernel, window()).add(bias));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("filters", filters);
        addWindowConfig(config, "kernel_size", true);
        config.put("activation", activation.name());
    }
}
