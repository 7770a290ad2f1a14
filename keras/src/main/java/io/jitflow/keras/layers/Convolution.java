package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;

/**
 * A convolution over channels-last inputs (the Keras Conv layers are its subclasses): a
 * (window..., channels, filters) kernel, glorot-uniform by default, and a bias per filter. Each
 * output's window values are gathered into a row (one strided slice per window position,
 * concatenated along the channels) and the rows multiplied by the kernel as one matmul, which every
 * backend compiles and differentiates; a convolution op with an implicit-GEMM kernel that never
 * materializes the rows is not built yet.
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
        int n = spatialDims();
        int rowLength = windowVolume() * x.type().shape().dim(x.rank() - 1).size();
        int positions = 1;
        int[] shape = new int[n + 2];
        shape[0] = -1;
        for (int i = 0; i < n; i++) {
            shape[1 + i] = outputShape().dim(1 + i).size();
            positions *= shape[1 + i];
        }
        shape[n + 1] = filters;
        // Each output's window values in (window position, channel) order, the kernel's row order;
        // (batch, positions, row) x (row, filters) keeps the batch dim its own, unknown while tracing.
        Tensor rows = Jf.concat(shifted(x, 0), x.rank() - 1).reshape(-1, positions, rowLength);
        Tensor y = Jf.matmul(rows, kernel.asTensor().reshape(rowLength, filters));
        return activation.apply(y.add(bias).reshape(shape));
    }
}
