package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;

/**
 * Repeats each row {@code rows} times and each column {@code columns} times (nearest neighbour),
 * as keras.layers.UpSampling2D: two gathers, so the gradient sums each block.
 */
public final class UpSampling2D extends Layer {
    private final int rows;
    private final int columns;

    public UpSampling2D(int size) {
        this(size, size);
    }

    public UpSampling2D(int rows, int columns) {
        super("up_sampling2d");
        if (rows <= 0 || columns <= 0) {
            throw new IllegalArgumentException("UpSampling2D needs sizes > 0, got (" + rows + ", " + columns + ")");
        }
        this.rows = rows;
        this.columns = columns;
    }

    @Override
    protected Shape create(Shape input) {
        ImageSides.requireImages(this, input);
        if (!input.dim(1).isStatic() || !input.dim(2).isStatic() || !input.dim(3).isStatic()) {
            throw new IllegalArgumentException("UpSampling2D " + name() + " needs a known image size, got " + describe(input));
        }
        return Shape.of(input.dim(0), Dim.of(input.dim(1).size() * rows), Dim.of(input.dim(2).size() * columns),
                input.dim(3));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        // Gathers along the image axes: the batch dim may be unknown while tracing.
        return Jf.gather(Jf.gather(x, sources(outputShape().dim(1).size(), rows), 1),
                sources(outputShape().dim(2).size(), columns), 2);
    }

    /** For each of {@code length} output positions, the input position it repeats. */
    private static Tensor sources(int length, int factor) {
        int[] index = new int[length];
        for (int i = 0; i < length; i++) {
            index[i] = i / factor;
        }
        return Jf.constant(index);
    }
}
