package io.jitflow.ir.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the project's pictures (graphs, models, training curves) are drawn on, so that each is laid
 * out once and written as SVG text or as a PNG image (Java 2D and the JDK's image I/O, headless).
 * Coordinates are pixels, y downwards; colors are {@code #rrggbb}.
 */
public interface Canvas {
    void line(double x1, double y1, double x2, double y2, String color, boolean arrow);

    void polyline(List<double[]> points, String color, boolean dashed);

    /** A rectangle, filled with {@code fill} unless it is null, outlined in {@code stroke}. */
    void rect(double x, double y, double width, double height, String fill, String stroke, boolean dashed, boolean rounded);

    /** Text of {@code size} points anchored at its start, middle or end ({@code anchor} -1, 0, 1). */
    void text(double x, double y, String text, int anchor, int size, String color);

    /** Draws {@code body} as one group (an SVG {@code <g>} of this class; nothing in an image). */
    default void group(String className, Runnable body) {
        body.run();
    }

    /**
     * Draws a {@code width} by {@code height} picture into {@code file}: SVG for a .svg file, PNG
     * for a .png file; any other extension is an error that names {@code what} and the two.
     */
    static void write(Path file, String what, int width, int height, Consumer<Canvas> draw) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            SvgCanvas svg = new SvgCanvas();
            draw.accept(svg);
            Files.writeString(file, svg.document(width, height));
        } else if (name.endsWith(".png")) {
            ImageCanvas.write(file, width, height, draw);
        } else {
            throw new IllegalArgumentException(what + " writes .svg or .png files, got " + file.getFileName());
        }
    }
}
