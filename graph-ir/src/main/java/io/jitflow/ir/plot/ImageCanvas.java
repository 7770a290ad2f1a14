package io.jitflow.ir.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** A picture drawn by Java 2D into an image, written as PNG. */
final class ImageCanvas implements Canvas {
    private static final BasicStroke DASHED = new BasicStroke(1, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
            new float[] {6, 4}, 0);
    private final Graphics2D g;

    private ImageCanvas(Graphics2D g) {
        this.g = g;
    }

    static void write(Path file, int width, int height, Consumer<Canvas> draw) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            draw.accept(new ImageCanvas(g));
        } finally {
            g.dispose();
        }
        if (!javax.imageio.ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, String color, boolean arrow) {
        g.setColor(Color.decode(color));
        g.setStroke(new BasicStroke(1));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
        if (arrow) {
            double angle = Math.atan2(y2 - y1, x2 - x1);
            Path2D.Double head = new Path2D.Double();
            head.moveTo(x2, y2);
            head.lineTo(x2 - 10 * Math.cos(angle - 0.38), y2 - 10 * Math.sin(angle - 0.38));
            head.lineTo(x2 - 10 * Math.cos(angle + 0.38), y2 - 10 * Math.sin(angle + 0.38));
            head.closePath();
            g.fill(head);
        }
    }

    @Override
    public void polyline(List<double[]> points, String color, boolean dashed) {
        g.setColor(Color.decode(color));
        g.setStroke(dashed ? new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {6, 4}, 0)
                : new BasicStroke(2));
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < points.size(); i++) {
            if (i == 0) {
                path.moveTo(points.get(i)[0], points.get(i)[1]);
            } else {
                path.lineTo(points.get(i)[0], points.get(i)[1]);
            }
        }
        g.draw(path);
    }

    @Override
    public void rect(double x, double y, double width, double height, String fill, String stroke, boolean dashed,
            boolean rounded) {
        java.awt.Shape shape = rounded ? new RoundRectangle2D.Double(x, y, width, height, 12, 12)
                : new Rectangle2D.Double(x, y, width, height);
        if (fill != null) {
            g.setColor(Color.decode(fill));
            g.fill(shape);
        }
        g.setColor(Color.decode(stroke));
        g.setStroke(dashed ? DASHED : new BasicStroke(1));
        g.draw(shape);
    }

    @Override
    public void text(double x, double y, String text, int anchor, int size, String color) {
        g.setColor(Color.decode(color));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
        int width = g.getFontMetrics().stringWidth(text);
        double start = anchor < 0 ? x : anchor == 0 ? x - width / 2.0 : x - width;
        g.drawString(text, (float) start, (float) y);
    }
}
