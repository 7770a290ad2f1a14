package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import java.util.List;

/**
 * The maximum or average of each channel over windows of the spatial axes (the Keras pooling
 * layers are its subclasses). With "same" padding, a max ignores the padding (it pads with -inf)
 * and an average divides by the number of window positions inside the input, as Keras does.
 */
abstract class Pooling extends SlidingWindowLayer {
    private final boolean max;
    private Shape input;

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
        this.input = input;
        return outputShape(input, input.dim(input.rank() - 1).size());
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        List<Tensor> slices = shifted(x, max ? Double.NEGATIVE_INFINITY : 0);
        Tensor result = slices.get(0);
        for (Tensor slice : slices.subList(1, slices.size())) {
            result = max ? Jf.maximum(result, slice) : result.add(slice);
        }
        // An average counts the window positions inside the input: the whole window but near "same" padding.
        return max ? result : result.div(validCounts(input));
    }
}
