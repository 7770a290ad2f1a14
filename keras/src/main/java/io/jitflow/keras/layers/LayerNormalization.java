package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;

/**
 * Normalizes each sample over its last axis to mean 0 and variance 1, then scales by gamma and
 * shifts by beta (one each per feature), as keras.layers.LayerNormalization with its defaults
 * (axis -1, epsilon 1e-3): {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta}.
 */
public final class LayerNormalization extends Layer {
    private double epsilon = 1e-3;
    private Variable gamma;
    private Variable beta;

    public LayerNormalization() {
        super("layer_normalization");
    }

    public LayerNormalization epsilon(double epsilon) {
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("LayerNormalization needs epsilon > 0, got " + epsilon);
        }
        this.epsilon = epsilon;
        return this;
    }

    @Override
    protected Shape create(Shape input) {
        Dim last = input.dim(input.rank() - 1);
        if (input.rank() < 2 || !last.isStatic()) {
            throw new IllegalArgumentException("LayerNormalization " + name() + " needs a known last dim, got "
                    + describe(input));
        }
        gamma = addWeight("gamma", new int[] {last.size()}, Initializer.ONES, 0);
        beta = addWeight("beta", new int[] {last.size()}, Initializer.ZEROS, 0);
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        int last = x.rank() - 1;
        Tensor centered = x.sub(Jf.reduceMean(x, true, last));
        Tensor variance = Jf.reduceMean(centered.square(), true, last);
        return centered.mul(Jf.rsqrt(variance.add(epsilon))).mul(gamma).add(beta);
    }
}
