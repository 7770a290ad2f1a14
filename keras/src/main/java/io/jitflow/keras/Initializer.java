package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;

/** Makes a layer's initial weights from a shape and a seed. */
@FunctionalInterface
public interface Initializer {
    Tensor create(int[] shape, long seed);

    /**
     * Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), Keras's default for
     * kernels; a convolution kernel's fans count its window too (receptive field x channels).
     */
    Initializer GLOROT_UNIFORM = (shape, seed) -> {
        int receptiveField = 1;
        for (int d = 0; d < shape.length - 2; d++) {
            receptiveField *= shape[d];
        }
        int fanIn = (shape.length >= 2 ? shape[shape.length - 2] : shape[0]) * receptiveField;
        int fanOut = shape[shape.length - 1] * receptiveField;
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        return Jf.randomUniform(shape, -limit, limit, seed, DType.FLOAT32);
    };
    /**
     * Orthogonal, Keras's default for recurrent kernels: a standard normal matrix (the last dim its
     * columns, the others flattened into rows) made orthonormal by Gram-Schmidt along its longer side,
     * so that repeated products neither grow nor shrink a state.
     */
    Initializer ORTHOGONAL = Orthogonal::create;
    Initializer ZEROS = (shape, seed) -> Jf.zeros(shape);
    Initializer ONES = (shape, seed) -> Jf.ones(shape);

    static Initializer randomNormal(double mean, double stddev) {
        return (shape, seed) -> Jf.randomNormal(shape, mean, stddev, seed, DType.FLOAT32);
    }

    static Initializer randomUniform(double min, double max) {
        return (shape, seed) -> Jf.randomUniform(shape, min, max, seed, DType.FLOAT32);
    }

    static Initializer of(String name) {
        return switch (name) {
            case "glorot_uniform" -> GLOROT_UNIFORM;
            case "orthogonal" -> ORTHOGONAL;
            case "zeros" -> ZEROS;
            case "ones" -> ONES;
            case "random_normal" -> randomNormal(0, 0.05);
            case "random_uniform" -> randomUniform(-0.05, 0.05);
            default -> throw new IllegalArgumentException("unknown initializer '" + name
                    + "' (known: glorot_uniform, orthogonal, zeros, ones, random_normal, random_uniform)");
        };
    }
}
