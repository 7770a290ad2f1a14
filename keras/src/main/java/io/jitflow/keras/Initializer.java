package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import java.util.List;

/**
 * Makes a layer's initial weights from a shape and a seed. The built-in ones have a config (their
 * Keras name, or a map with their parameters) and come back from it; one written as a lambda has
 * none, so a layer holding it has no config either.
 */
@FunctionalInterface
public interface Initializer {
    Tensor create(int[] shape, long seed);

    /** The config that {@link #fromConfig} reads back, or null for an initializer written as Java code. */
    default Object config() {
        return null;
    }

    /**
     * Glorot (Xavier) uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)), Keras's default for
     * kernels; a convolution kernel's fans count its window too (receptive field x channels).
     */
    Initializer GLOROT_UNIFORM = new NamedInitializer("glorot_uniform", (shape, seed) -> {
        int receptiveField = 1;
        for (int d = 0; d < shape.length - 2; d++) {
            receptiveField *= shape[d];
        }
        int fanIn = (shape.length >= 2 ? shape[shape.length - 2] : shape[0]) * receptiveField;
        int fanOut = shape[shape.length - 1] * receptiveField;
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        return Jf.randomUniform(shape, -limit, limit, seed, DType.FLOAT32);
    });
    /**
     * Orthogonal, Keras's default for recurrent kernels: a standard normal matrix (the last dim its
     * columns, the others flattened into rows) made orthonormal by Gram-Schmidt along its longer side,
     * so that repeated products neither grow nor shrink a state.
     */
    Initializer ORTHOGONAL = new NamedInitializer("orthogonal", Orthogonal::create);
    Initializer ZEROS = new NamedInitializer("zeros", (shape, seed) -> Jf.zeros(shape));
    Initializer ONES = new NamedInitializer("ones", (shape, seed) -> Jf.ones(shape));

    static Initializer randomNormal(double mean, double stddev) {
        return new NamedInitializer(java.util.Map.of("class_name", "random_normal", "mean", mean, "stddev", stddev),
                (shape, seed) -> Jf.randomNormal(shape, mean, stddev, seed, DType.FLOAT32));
    }

    static Initializer randomUniform(double min, double max) {
        return new NamedInitializer(java.util.Map.of("class_name", "random_uniform", "minval", min, "maxval", max),
                (shape, seed) -> Jf.randomUniform(shape, min, max, seed, DType.FLOAT32));
    }

    /** The initializer a {@link #config} describes. */
    static Initializer fromConfig(Object config) {
        if (config instanceof String name) {
            return of(name);
        }
        if (config instanceof java.util.Map<?, ?> map && map.get("class_name") instanceof String kind
                && List.of("random_normal", "random_uniform").contains(kind)) {
            double[] p = new double[2];
            List<String> keys = kind.equals("random_normal") ? List.of("mean", "stddev") : List.of("minval", "maxval");
            for (int i = 0; i < 2; i++) {
                if (!(map.get(keys.get(i)) instanceof Number n)) {
                    throw new IllegalArgumentException(kind + " needs a number '" + keys.get(i) + "', got " + map);
                }
                p[i] = n.doubleValue();
            }
            return kind.equals("random_normal") ? randomNormal(p[0], p[1]) : randomUniform(p[0], p[1]);
        }
        throw new IllegalArgumentException("not an initializer config: " + config);
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
