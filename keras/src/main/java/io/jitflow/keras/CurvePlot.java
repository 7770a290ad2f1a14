package io.jitflow.keras;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training curves, one panel per quantity (loss, then each metric), the training values as a solid
 * line and the validation ones ({@code val_}...) dashed, against the epoch; drawn once through
 * {@link Canvas}, as SVG text or into a PNG image (the JDK's image I/O, headless).
 */
final class CurvePlot {
    private static final int WIDTH = 640;
    private static final int PANEL_HEIGHT = 240;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 40;
    private static final String TRAINING_COLOR = "#1f77b4";
    private static final String VALIDATION_COLOR = "#ff7f0e";

    private CurvePlot() {
    }

    /** What the curves are drawn on. Coordinates are pixels, y downwards. */
    interface Canvas {
        void line(double x1, double y1, double x2, double y2, String color);

        void polyline(List<double[]> points, String color, boolean dashed);

        /** Text anchored at its start, middle or end ({@code anchor} -1, 0, 1). */
        void text(double x, double y, String text, int anchor);
    }

    /** Writes the curves of {@code history} to a .svg or .png file. */
    static void write(History history, Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Map<String, List<Double>> series = history.history();
        if (series.isEmpty()) {
            throw new IllegalStateException("the history holds no epochs to plot");
        }
        List<String> panels = panels(series);
        int height = panels.size() * PANEL_HEIGHT;
        if (name.endsWith(".svg")) {
            Svg svg = new Svg(WIDTH, height);
            draw(history, panels, svg);
            Files.writeString(file, svg.text());
        } else if (name.endsWith(".png")) {
            BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, WIDTH, height);
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                draw(history, panels, new Raster(g));
            } finally {
                g.dispose();
            }
            if (!javax.imageio.ImageIO.write(image, "png", file.toFile())) {
                throw new IOException("no PNG writer in this JDK");
            }
        } else {
            throw new IllegalArgumentException("History.plot writes .svg or .png files, got " + file.getFileName());
        }
    }

    /** The quantities to plot: each key without its "val_" prefix, in order of first appearance. */
    private static List<String> panels(Map<String, List<Double>> series) {
        List<String> names = new ArrayList<>();
        for (String key : series.keySet()) {
            String base = key.startsWith("val_") ? key.substring(4) : key;
            if (!names.contains(base)) {
                names.add(base);
            }
        }
        return names;
    }

    private static void draw(History history, List<String> panels, Canvas canvas) {
        List<Integer> epochs = history.epoch();
        for (int p = 0; p < panels.size(); p++) {
            String quantity = panels.get(p);
            Map<String, List<Double>> curves = new LinkedHashMap<>();
            for (String key : List.of(quantity, "val_" + quantity)) {
                if (history.history().containsKey(key)) {
                    curves.put(key, history.get(key));
                }
            }
            panel(canvas, p * PANEL_HEIGHT, quantity, epochs, curves);
        }
    }

    private static void panel(Canvas canvas, double top, String quantity, List<Integer> epochs,
                              Map<String, List<Double>> curves) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<Double> values : curves.values()) {
            for (double v : values) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) {
            lo = 0;
            hi = 1;
        } else if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        double x0 = LEFT;
        double x1 = WIDTH - RIGHT;
        double y0 = top + PANEL_HEIGHT - BOTTOM;
        double y1 = top + TOP;
        int first = epochs.get(0) + 1;
        int last = epochs.get(epochs.size() - 1) + 1;
        double span = Math.max(1, last - first);
        double low = lo;
        double range = hi - lo;
        canvas.line(x0, y0, x1, y0, "#000000");
        canvas.line(x0, y0, x0, y1, "#000000");
        canvas.text((x0 + x1) / 2, top + 18, quantity, 0);
        canvas.text((x0 + x1) / 2, y0 + 32, "epoch", 0);
        canvas.text(x0, y0 + 16, Integer.toString(first), 0);
        canvas.text(x1, y0 + 16, Integer.toString(last), 0);
        canvas.text(x0 - 6, y0 + 4, label(lo), 1);
        canvas.text(x0 - 6, y1 + 4, label(hi), 1);
        int legend = 0;
        for (Map.Entry<String, List<Double>> curve : curves.entrySet()) {
            List<double[]> points = new ArrayList<>();
            List<Double> values = curve.getValue();
            for (int i = 0; i < values.size(); i++) {
                double v = Double.isFinite(values.get(i)) ? values.get(i) : hi;
                double x = x0 + (epochs.get(i) + 1 - first) / span * (x1 - x0);
                double y = y0 - (v - low) / range * (y0 - y1);
                points.add(new double[] {x, y});
            }
            boolean validation = curve.getKey().startsWith("val_");
            String color = validation ? VALIDATION_COLOR : TRAINING_COLOR;
            canvas.polyline(points, color, validation);
            double ly = y1 + 4 + 16 * legend++;
            canvas.line(x1 - 120, ly, x1 - 100, ly, color);
            canvas.text(x1 - 95, ly + 4, validation ? "validation" : "training", -1);
        }
    }

    private static String label(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v != 0) ? "%.2e" : "%.3f", v);
    }

    /** SVG text. */
    private static final class Svg implements Canvas {
        private final StringBuilder body = new StringBuilder();
        private final int width;
        private final int height;

        Svg(int width, int height) {
            this.width = width;
            this.height = height;
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color) {
            body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                    x1, y1, x2, y2, color));
        }

        @Override
        public void polyline(List<double[]> points, String color, boolean dashed) {
            StringBuilder coords = new StringBuilder();
            for (double[] p : points) {
                coords.append(coords.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", p[0], p[1]));
            }
            body.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"")
                    .append(dashed ? " stroke-dasharray=\"6 4\"" : "").append(" points=\"").append(coords).append("\"/>\n");
        }

        @Override
        public void text(double x, double y, String text, int anchor) {
            String where = anchor < 0 ? "start" : anchor == 0 ? "middle" : "end";
            body.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n", x, y,
                    where, escape(text)));
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }

        String text() {
            return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height
                    + "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                    + body + "</svg>\n";
        }
    }

    /** A PNG image through Java 2D. */
    private static final class Raster implements Canvas {
        private final Graphics2D g;

        Raster(Graphics2D g) {
            this.g = g;
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String color) {
            g.setColor(Color.decode(color));
            g.setStroke(new BasicStroke(1));
            g.drawLine((int) Math.round(x1), (int) Math.round(y1), (int) Math.round(x2), (int) Math.round(y2));
        }

        @Override
        public void polyline(List<double[]> points, String color, boolean dashed) {
            g.setColor(Color.decode(color));
            g.setStroke(dashed ? new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {6, 4}, 0)
                    : new BasicStroke(2));
            int[] xs = points.stream().mapToInt(p -> (int) Math.round(p[0])).toArray();
            int[] ys = points.stream().mapToInt(p -> (int) Math.round(p[1])).toArray();
            g.drawPolyline(xs, ys, xs.length);
        }

        @Override
        public void text(double x, double y, String text, int anchor) {
            g.setColor(Color.BLACK);
            int width = g.getFontMetrics().stringWidth(text);
            double start = anchor < 0 ? x : anchor == 0 ? x - width / 2.0 : x - width;
            g.drawString(text, (float) start, (float) y);
        }
    }
}
