package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * The average or maximum of each channel over the spatial axes of channels-last inputs: a
 * reduction over axes 1 to {@code spatialDims}. The Keras layers are its subclasses.
 */
abstract class GlobalPooling extends Layer {
    private final boolean max;
    private final int spatialDims;

    GlobalPooling(String name, boolean max, int spatialDims) {
        super(name);
        this.max = max;
        this.spatialDims = spatialDims;
    }

    @Override
    protected Shape create(Shape input) {
        if (input.rank() != spatialDims + 2) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + name() + " needs (batch, "
                    + (spatialDims == 1 ? "steps" : "height, width") + ", channels), got " + describe(input));
        }
        return Shape.of(input.dim(0), input.dim(input.rank() - 1));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        int[] axes = new int[spatialDims];
        for (int i = 0; i < spatialDims; i++) {
            axes[i] = i + 1;
        }
        return max ? Jf.reduceMax(x, axes) : Jf.reduceMean(x, axes);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
    }
}
