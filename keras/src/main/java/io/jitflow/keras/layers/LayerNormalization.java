package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Shape;

/**
 * Normalizes each sample over its last axis to mean 0 and variance 1, then scales by gamma and
 * shifts by beta (one each per feature), as keras.layers.LayerNormalization with its defaults
 * (axis -1, epsilon 1e-3).
 */
public final class LayerNormalization extends Normalization {
    public LayerNormalization() {
        super("layer_normalization");
    }

    public LayerNormalization epsilon(double epsilon) {
        setEpsilon(epsilon);
        return this;
    }

    @Override
    protected Shape create(Shape input) {
        addScaleAndShift(input);
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return layerNorm(x);
    }
}
