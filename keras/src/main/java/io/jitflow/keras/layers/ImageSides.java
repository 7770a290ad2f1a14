package io.jitflow.keras.layers;

import io.jitflow.ir.Shape;

/** What the 2D padding and cropping layers share: their ((top, bottom), (left, right)) argument and input check. */
final class ImageSides {
    private ImageSides() {
    }

    static int[][] check(String layer, int[][] sides) {
        if (sides.length != 2 || sides[0].length != 2 || sides[1].length != 2 || sides[0][0] < 0 || sides[0][1] < 0
                || sides[1][0] < 0 || sides[1][1] < 0) {
            throw new IllegalArgumentException(layer + " needs ((top, bottom), (left, right)), none negative, got "
                    + java.util.Arrays.deepToString(sides));
        }
        return new int[][] {sides[0].clone(), sides[1].clone()};
    }

    static void requireImages(Layer layer, Shape input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException(layer.getClass().getSimpleName() + " " + layer.name()
                    + " needs images (batch, height, width, channels), got " + Layer.describe(input));
        }
    }
}
