package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * What the normalization layers share: a trainable scale (gamma) and shift (beta) per feature of
 * the last axis, epsilon 1e-3 by default, and {@code (x - mean) / sqrt(variance + epsilon) * gamma +
 * beta}; the subclasses choose the mean and variance (the batch_norm and layer_norm ops).
 */
abstract class Normalization extends Layer {
    private double epsilon = 1e-3;
    private Variable gamma;
    private Variable beta;

    Normalization(String name) {
        super(name);
    }

    void setEpsilon(double epsilon) {
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs epsilon > 0, got " + epsilon);
        }
        this.epsilon = epsilon;
    }

    /** Checks the input's last dim, adds gamma and beta, and returns the number of features. */
    int addScaleAndShift(Shape input) {
        Dim last = input.dim(input.rank() - 1);
        if (input.rank() < 2 || !last.isStatic()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + name() + " needs a known last dim, got "
                    + describe(input));
        }
        gamma = addWeight("gamma", new int[] {last.size()}, Initializer.ONES, 0);
        beta = addWeight("beta", new int[] {last.size()}, Initializer.ZEROS, 0);
        return last.size();
    }

    /** {@code x} normalized along its last axis by {@code mean} and {@code variance} (the batch_norm op). */
    Tensor batchNorm(Tensor x, Tensor mean, Tensor variance) {
        return Jf.batchNorm(x, gamma, beta, mean, variance, -1, epsilon);
    }

    /** Each sample of {@code x} normalized over its last axis (the layer_norm op). */
    Tensor layerNorm(Tensor x) {
        return Jf.layerNorm(x, gamma, beta, -1, epsilon);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("epsilon", epsilon);
    }
}
