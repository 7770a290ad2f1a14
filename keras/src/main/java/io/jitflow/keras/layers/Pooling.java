package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * The maximum or average of each channel over windows of the spatial axes (the Keras pooling
 * layers are its subclasses). With "same" padding, a max ignores the padding (it pads with -inf)
 * and an average divides by the number of window positions inside the input, as Keras does.
 */
abstract class Pooling extends SlidingWindowLayer {
    private final boolean max;

    Pooling(String name, boolean max, int[] poolSize, int[] strides, String padding) {
        super(name, poolSize, strides, ones(poolSize.length), padding);
        this.max = max;
    }

    static int[] ones(int n) {
        int[] ones = new int[n];
        java.util.Arrays.fill(ones, 1);
        return ones;
    }

    /** {@code size} along each of {@code n} axes. */
    static int[] repeated(int n, int size) {
        int[] sizes = new int[n];
        java.util.Arrays.fill(sizes, size);
        return sizes;
    }

    @Override
    protected Shape create(Shape input) {
        return outputShape(input, input.dim(input.rank() - 1).size());
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return max ? Jf.maxPool(x, windowSize(), window()) : Jf.avgPool(x, windowSize(), window());
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        addWindowConfig(config, "pool_size", false);
    }
}
