package io.jitflow.ir.plot;

import java.util.List;
import java.util.Locale;

/** A picture as SVG text. */
final class SvgCanvas implements Canvas {
    private final StringBuilder body = new StringBuilder();

    @Override
    public void line(double x1, double y1, double x2, double y2, String color, boolean arrow) {
        body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
                x1, y1, x2, y2, color, arrow ? " marker-end=\"url(#arrow)\"" : ""));
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
    public void rect(double x, double y, double width, double height, String fill, String stroke, boolean dashed,
            boolean rounded) {
        body.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"%s fill=\"%s\""
                + " stroke=\"%s\"%s/>%n", x, y, width, height, rounded ? " rx=\"6\"" : "", fill == null ? "none" : fill,
                stroke, dashed ? " stroke-dasharray=\"6 4\"" : ""));
    }

    @Override
    public void text(double x, double y, String text, int anchor, int size, String color) {
        String where = anchor < 0 ? "start" : anchor == 0 ? "middle" : "end";
        body.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\" fill=\"%s\">"
                + "%s</text>%n", x, y, where, size, color, escape(text)));
    }

    @Override
    public void group(String className, Runnable body) {
        this.body.append("<g class=\"").append(escape(className)).append("\">\n");
        body.run();
        this.body.append("</g>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The whole document: a white background (the root's style, so that shapes alone are rects) and an arrowhead. */
    String document(int width, int height) {
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0"
                + " %d %d\" style=\"background-color:white\" font-family=\"Helvetica, Arial, sans-serif\">%n", width, height,
                width, height)
                + "<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\">"
                + "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333333\"/></marker></defs>\n" + body + "</svg>\n";
    }
}
