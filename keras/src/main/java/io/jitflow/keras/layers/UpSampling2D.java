package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * Repeats each row {@code rows} times and each column {@code columns} times (nearest neighbour),
 * or interpolates bilinearly, as keras.layers.UpSampling2D: the resize op.
 */
public final class UpSampling2D extends Layer {
    private final int rows;
    private final int columns;
    private String interpolation = "nearest";

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

    /** "nearest" (the default: each element repeated) or "bilinear", as Keras's interpolation argument. */
    public UpSampling2D interpolation(String interpolation) {
        if (!interpolation.equals("nearest") && !interpolation.equals("bilinear")) {
            throw new IllegalArgumentException("UpSampling2D interpolation must be \"nearest\" or \"bilinear\", got \""
                    + interpolation + "\"");
        }
        this.interpolation = interpolation;
        return this;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        // Half-pixel centers, as tf.image.resize: nearest then repeats each element exactly.
        return Jf.resize(x, new int[] {outputShape().dim(1).size(), outputShape().dim(2).size()}, interpolation,
                "half_pixel");
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("size", java.util.List.of(rows, columns));
        config.put("interpolation", interpolation);
    }
}
