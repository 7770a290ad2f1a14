package io.jitflow.keras;

import io.jitflow.ir.plot.Canvas;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training curves, one panel per quantity (loss, then each metric), the training values as a solid
 * line and the validation ones ({@code val_}...) dashed, against the epoch; drawn once through
 * a {@link Canvas}, as SVG text or into a PNG image.
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
    private static final String BLACK = "#000000";

    private CurvePlot() {
    }

    /** Writes the curves of {@code history} to a .svg or .png file. */
    static void write(History history, Path file) throws IOException {
        Map<String, List<Double>> series = history.history();
        if (series.isEmpty()) {
            throw new IllegalStateException("the history holds no epochs to plot");
        }
        List<String> panels = panels(series);
        Canvas.write(file, "History.plot", WIDTH, panels.size() * PANEL_HEIGHT, canvas -> draw(history, panels, canvas));
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
        canvas.line(x0, y0, x1, y0, BLACK, false);
        canvas.line(x0, y0, x0, y1, BLACK, false);
        canvas.text((x0 + x1) / 2, top + 18, quantity, 0, 12, BLACK);
        canvas.text((x0 + x1) / 2, y0 + 32, "epoch", 0, 12, BLACK);
        canvas.text(x0, y0 + 16, Integer.toString(first), 0, 12, BLACK);
        canvas.text(x1, y0 + 16, Integer.toString(last), 0, 12, BLACK);
        canvas.text(x0 - 6, y0 + 4, label(lo), 1, 12, BLACK);
        canvas.text(x0 - 6, y1 + 4, label(hi), 1, 12, BLACK);
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
            canvas.line(x1 - 120, ly, x1 - 100, ly, color, false);
            canvas.text(x1 - 95, ly + 4, validation ? "validation" : "training", -1, 12, BLACK);
        }
    }

    private static String label(double v) {
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v != 0) ? "%.2e" : "%.3f", v);
    }
}
