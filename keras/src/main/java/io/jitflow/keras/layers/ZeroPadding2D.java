package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.Map;

/**
 * Pads images (batch, height, width, channels) with zero rows and columns, as
 * keras.layers.ZeroPadding2D: {@code ((top, bottom), (left, right))}.
 */
public final class ZeroPadding2D extends Layer {
    private final int[][] padding;

    /** {@code p} rows and columns on every side. */
    public ZeroPadding2D(int p) {
        this(new int[][] {{p, p}, {p, p}});
    }

    /** {@code rows} above and below, {@code columns} left and right. */
    public ZeroPadding2D(int rows, int columns) {
        this(new int[][] {{rows, rows}, {columns, columns}});
    }

    public ZeroPadding2D(int[][] padding) {
        super("zero_padding2d");
        this.padding = ImageSides.check("ZeroPadding2D", padding);
    }

    @Override
    protected Shape create(Shape input) {
        ImageSides.requireImages(this, input);
        return Shape.of(input.dim(0), grown(input.dim(1), padding[0]), grown(input.dim(2), padding[1]), input.dim(3));
    }

    private static Dim grown(Dim d, int[] sides) {
        return d.isStatic() ? Dim.of(d.size() + sides[0] + sides[1]) : d;
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return Jf.pad(x, new int[][] {{0, 0}, padding[0], padding[1], {0, 0}});
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("padding", LayerConfig.rows(padding));
    }
}
