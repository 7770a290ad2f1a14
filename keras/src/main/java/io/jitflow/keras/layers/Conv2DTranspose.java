package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * A transposed convolution ("deconvolution"), as keras.layers.Conv2DTranspose: the gradient of a
 * Conv2D with respect to its input, upsampling by the strides; a (height, width, filters,
 * channels) kernel and a bias per filter. The output has {@code input * stride} rows and columns
 * with padding "same", {@code input * stride + max(kernel - stride, 0)} with "valid".
 */
public final class Conv2DTranspose extends SlidingWindowLayer {
    private final int filters;
    private final int[] kernelSize;
    private final int[] strides;
    private final boolean same;
    private final ActivationFunction activation;
    private final long seed = Jf.nextSeed();
    private Variable kernel;
    private Variable bias;

    public Conv2DTranspose(int filters, int kernelSize) {
        this(filters, Pooling.repeated(2, kernelSize), Pooling.repeated(2, 1), "valid", "linear");
    }

    public Conv2DTranspose(int filters, int[] kernelSize, int[] strides, String padding, String activation) {
        super("conv2d_transpose", kernelSize, strides, Pooling.ones(2), padding);
        if (filters <= 0) {
            throw new IllegalArgumentException("Conv2DTranspose needs filters > 0, got " + filters);
        }
        this.filters = filters;
        this.kernelSize = kernelSize.clone();
        this.strides = strides.clone();
        this.same = Windows.same(padding);
        this.activation = ActivationFunction.of(activation);
    }

    @Override
    protected Shape create(Shape input) {
        if (input.rank() != 4 || !input.dim(1).isStatic() || !input.dim(2).isStatic()) {
            throw new IllegalArgumentException("Conv2DTranspose " + name() + " needs (batch, height, width, channels)"
                    + " with known height and width, got " + describe(input));
        }
        int channels = input.dim(3).size();
        kernel = addWeight("kernel", new int[] {kernelSize[0], kernelSize[1], filters, channels},
                Initializer.GLOROT_UNIFORM, seed);
        bias = addWeight("bias", new int[] {filters}, Initializer.ZEROS, seed + 1);
        Dim[] dims = {input.dim(0), null, null, Dim.of(filters)};
        for (int i = 0; i < 2; i++) {
            int length = input.dim(1 + i).size() * strides[i];
            dims[1 + i] = Dim.of(same ? length : length + Math.max(kernelSize[i] - strides[i], 0));
        }
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return activation.apply(Jf.convTranspose(x, kernel, window()).add(bias));
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("filters", filters);
        addWindowConfig(config, "kernel_size", false);
        config.put("activation", activation.name());
    }
}
