package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;
import java.util.Map;

/**
 * Normalizes each feature (the last axis) as keras.layers.BatchNormalization with its defaults
 * (momentum 0.99, epsilon 1e-3): {@code (x - mean) / sqrt(variance + epsilon) * gamma + beta}.
 * While training, mean and variance are the batch's (over every axis but the last) and the step
 * also moves the layer's moving statistics toward them ({@code moving = moving * momentum + batch *
 * (1 - momentum)}); at inference the moving statistics are used. gamma and beta are trainable,
 * the moving statistics are not (they count as non-trainable parameters), and all four are saved.
 */
public final class BatchNormalization extends Normalization {
    private double momentum = 0.99;
    private Variable movingMean;
    private Variable movingVariance;

    public BatchNormalization() {
        super("batch_normalization");
    }

    public BatchNormalization momentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("BatchNormalization needs 0 <= momentum < 1, got " + momentum);
        }
        this.momentum = momentum;
        return this;
    }

    public BatchNormalization epsilon(double epsilon) {
        setEpsilon(epsilon);
        return this;
    }

    @Override
    protected Shape create(Shape input) {
        int[] features = {addScaleAndShift(input)};
        movingMean = addWeight("moving_mean", features, Initializer.ZEROS, 0, false);
        movingVariance = addWeight("moving_variance", features, Initializer.ONES, 0, false);
        return input;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor mean = movingMean.asTensor();
        Tensor variance = movingVariance.asTensor();
        if (context.training()) {
            int[] batchAxes = new int[x.rank() - 1];
            for (int i = 0; i < batchAxes.length; i++) {
                batchAxes[i] = i;
            }
            mean = Jf.reduceMean(x, batchAxes);
            variance = Jf.reduceMean(x.sub(mean).square(), batchAxes);
            movingMean.assign(movingMean.asTensor().mul(momentum).add(mean.mul(1 - momentum)));
            movingVariance.assign(movingVariance.asTensor().mul(momentum).add(variance.mul(1 - momentum)));
        }
        return batchNorm(x, mean, variance);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("momentum", momentum);
        super.addConfig(config);
    }
}
