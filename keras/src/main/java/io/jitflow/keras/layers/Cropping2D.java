package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * Crops rows and columns off images (batch, height, width, channels), as keras.layers.Cropping2D:
 * {@code ((top, bottom), (left, right))}.
 */
public final class Cropping2D extends Layer {
    private final int[][] cropping;

    /** {@code c} rows and columns off every side. */
    public Cropping2D(int c) {
        this(new int[][] {{c, c}, {c, c}});
    }

    public Cropping2D(int[][] cropping) {
        super("cropping2d");
        this.cropping = ImageSides.check("Cropping2D", cropping);
    }

    @Override
    protected Shape create(Shape input) {
        ImageSides.requireImages(this, input);
        for (int axis = 1; axis <= 2; axis++) {
            Dim d = input.dim(axis);
            int[] sides = cropping[axis - 1];
            if (!d.isStatic() || d.size() <= sides[0] + sides[1]) {
                throw new IllegalArgumentException("Cropping2D " + name() + " crops " + sides[0] + " + " + sides[1]
                        + " off dim " + axis + " of " + describe(input) + ", which leaves nothing");
            }
        }
        return Shape.of(input.dim(0), Dim.of(input.dim(1).size() - cropping[0][0] - cropping[0][1]),
                Dim.of(input.dim(2).size() - cropping[1][0] - cropping[1][1]), input.dim(3));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Shape out = outputShape();
        return Jf.slice(x, ":, " + cropping[0][0] + ":" + (cropping[0][0] + out.dim(1).size()) + ", " + cropping[1][0]
                + ":" + (cropping[1][0] + out.dim(2).size()) + ", :");
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("cropping", LayerConfig.rows(cropping));
    }
}
