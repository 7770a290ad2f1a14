package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.ActivationFunction;
import io.jitflow.keras.Initializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code activation(x @ kernel + bias)}, as keras.layers.Dense: a glorot-uniform kernel and zero
 * bias by default, seeded from {@link Jf#setRandomSeed}'s stream.
 */
public final class Dense extends Layer {
    private final int units;
    private ActivationFunction activation = ActivationFunction.LINEAR;
    private boolean useBias = true;
    private Initializer kernelInitializer = Initializer.GLOROT_UNIFORM;
    private Initializer biasInitializer = Initializer.ZEROS;
    private final long seed = Jf.nextSeed();
    private Variable kernel;
    private Variable bias;

    public Dense(int units) {
        super("dense");
        if (units <= 0) {
            throw new IllegalArgumentException("Dense needs units > 0, got " + units);
        }
        this.units = units;
    }

    public Dense(int units, String activation) {
        this(units);
        this.activation = ActivationFunction.of(activation);
    }

    public Dense(int units, ActivationFunction activation) {
        this(units);
        this.activation = activation;
    }

    public Dense useBias(boolean on) {
        this.useBias = on;
        return this;
    }

    public Dense kernelInitializer(Initializer init) {
        this.kernelInitializer = init;
        return this;
    }

    public Dense biasInitializer(Initializer init) {
        this.biasInitializer = init;
        return this;
    }

    public ActivationFunction activation() {
        return activation;
    }

    @Override
    protected Shape create(Shape input) {
        Dim last = input.dim(input.rank() - 1);
        if (!last.isStatic()) {
            throw new IllegalArgumentException("Dense " + name() + " needs a known last input dim, got " + describe(input));
        }
        kernel = addWeight("kernel", new int[] {last.size(), units}, kernelInitializer, seed);
        if (useBias) {
            bias = addWeight("bias", new int[] {units}, biasInitializer, seed + 1);
        }
        List<Dim> dims = new ArrayList<>(input.dims());
        dims.set(dims.size() - 1, Dim.of(units));
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Tensor y = Jf.matmul(x, kernel);
        if (bias != null) {
            y = y.add(bias);
        }
        return activation.apply(y);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("units", units);
        config.put("activation", activation.name());
        config.put("use_bias", useBias);
        config.put("kernel_initializer", initializerConfig("kernel", kernelInitializer));
        config.put("bias_initializer", initializerConfig("bias", biasInitializer));
    }
}
