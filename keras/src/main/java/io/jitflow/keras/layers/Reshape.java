package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Reshapes each sample to {@code targetShape} (the batch dim kept); one dim may be -1, as keras.layers.Reshape. */
public final class Reshape extends Layer {
    private final int[] targetShape;

    public Reshape(int... targetShape) {
        super("reshape");
        if (targetShape.length == 0 || Arrays.stream(targetShape).anyMatch(d -> d == 0 || d < -1)
                || Arrays.stream(targetShape).filter(d -> d == -1).count() > 1) {
            throw new IllegalArgumentException("Reshape needs positive dims and at most one -1, got "
                    + Arrays.toString(targetShape));
        }
        this.targetShape = targetShape.clone();
    }

    @Override
    protected Shape create(Shape input) {
        long size = 1;
        for (int s : featureSizes(input)) {
            size *= s;
        }
        long known = 1;
        for (int d : targetShape) {
            known *= d == -1 ? 1 : d;
        }
        boolean inferred = Arrays.stream(targetShape).anyMatch(d -> d == -1);
        if (inferred ? size % known != 0 : size != known) {
            throw new IllegalArgumentException("Reshape " + name() + " cannot reshape " + describe(input) + " ("
                    + size + " values per sample) to " + Arrays.toString(targetShape));
        }
        List<Dim> dims = new ArrayList<>(List.of(input.dim(0)));
        for (int d : targetShape) {
            dims.add(Dim.of(d == -1 ? (int) (size / known) : d));
        }
        return Shape.of(dims);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        int[] shape = new int[targetShape.length + 1];
        shape[0] = -1;
        System.arraycopy(featureSizes(outputShape()), 0, shape, 1, targetShape.length);
        return x.reshape(shape);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("target_shape", LayerConfig.list(targetShape));
    }
}
