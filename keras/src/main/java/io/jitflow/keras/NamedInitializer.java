package io.jitflow.keras;

import io.jitflow.Tensor;

/** A built-in initializer: its config (a name, or a map of its parameters) and what it computes. */
record NamedInitializer(Object config, Initializer body) implements Initializer {
    @Override
    public Tensor create(int[] shape, long seed) {
        return body.create(shape, seed);
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
