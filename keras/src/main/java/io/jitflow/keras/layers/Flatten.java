package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.Map;

/** Flattens every dim after the batch dim into one. */
public final class Flatten extends Layer {
    public Flatten() {
        super("flatten");
    }

    @Override
    protected Shape create(Shape input) {
        long size = 1;
        for (int s : featureSizes(input)) {
            size *= s;
        }
        return Shape.of(input.dim(0), Dim.of((int) size));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return x.reshape(-1, outputShape().dim(1).size());
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
    }
}
