package io.jitflow.keras.layers;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;

/**
 * Dropout of whole feature maps, as keras.layers.SpatialDropout2D: while training, each channel of
 * each image (batch, height, width, channels) is zeroed with probability {@code rate} or kept and
 * scaled by 1 / (1 - rate), all its pixels together.
 */
public final class SpatialDropout2D extends Dropout {
    public SpatialDropout2D(double rate) {
        super("spatial_dropout2d", rate);
    }

    @Override
    protected Shape create(Shape input) {
        ImageSides.requireImages(this, input);
        return input;
    }

    @Override
    public Shape noiseShape(Shape input) {
        return Shape.of(input.dim(0), Dim.of(1), Dim.of(1), input.dim(3));
    }
}
