package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Permutes the dims of each sample, as keras.layers.Permute: {@code dims} numbers them from 1 (the
 * batch dim is 0 and stays first), so {@code Permute(2, 1)} swaps the two dims after the batch.
 */
public final class Permute extends Layer {
    private final int[] dims;

    public Permute(int... dims) {
        super("permute");
        int[] sorted = dims.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] != i + 1) {
                throw new IllegalArgumentException("Permute needs a permutation of 1.." + dims.length + ", got "
                        + Arrays.toString(dims));
            }
        }
        this.dims = dims.clone();
    }

    @Override
    protected Shape create(Shape input) {
        if (input.rank() != dims.length + 1) {
            throw new IllegalArgumentException("Permute " + name() + " permutes " + dims.length + " dims, got input "
                    + describe(input));
        }
        List<Dim> out = new ArrayList<>(List.of(input.dim(0)));
        for (int d : dims) {
            out.add(input.dim(d));
        }
        return Shape.of(out);
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        int[] perm = new int[dims.length + 1];
        System.arraycopy(dims, 0, perm, 1, dims.length);
        return x.transpose(perm);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("dims", LayerConfig.list(dims));
    }
}
