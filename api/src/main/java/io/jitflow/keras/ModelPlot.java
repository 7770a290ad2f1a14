package io.jitflow.keras;

import io.jitflow.keras.layers.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pictures of a Sequential model, as keras.utils.plot_model draws them: one box per layer (its name,
 * type, input and output shapes) in a column joined by arrows. DOT for Graphviz, and SVG drawn here,
 * so no external program is needed.
 */
final class ModelPlot {
    private static final int BOX_WIDTH = 360;
    private static final int BOX_HEIGHT = 56;
    private static final int GAP = 36;
    private static final int MARGIN = 20;

    /** One box: the title line and the shapes line. */
    record Box(String title, String shapes) {
    }

    private ModelPlot() {
    }

    static List<Box> boxes(String inputShape, List<Layer> layers) {
        List<Box> boxes = new ArrayList<>();
        boxes.add(new Box("input (InputLayer)", "output: " + inputShape));
        String previous = inputShape;
        for (Layer l : layers) {
            String out = Layer.describe(l.outputShape());
            boxes.add(new Box(l.name() + " (" + l.getClass().getSimpleName() + ")", "input: " + previous + "  output: " + out));
            previous = out;
        }
        return boxes;
    }

    static String dot(String name, List<Box> boxes) {
        StringBuilder sb = new StringBuilder("digraph \"" + name + "\" {\n  node [shape=record, fontname=\"Helvetica\"];\n");
        for (int i = 0; i < boxes.size(); i++) {
            sb.append("  n").append(i).append(" [label=\"{").append(escapeDot(boxes.get(i).title())).append('|')
                    .append(escapeDot(boxes.get(i).shapes())).append("}\"];\n");
        }
        for (int i = 1; i < boxes.size(); i++) {
            sb.append("  n").append(i - 1).append(" -> n").append(i).append(";\n");
        }
        return sb.append("}\n").toString();
    }

    static String svg(List<Box> boxes) {
        int width = BOX_WIDTH + 2 * MARGIN;
        int height = boxes.size() * BOX_HEIGHT + (boxes.size() - 1) * GAP + 2 * MARGIN;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        sb.append("  <defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" orient=\"auto\">"
                + "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker></defs>\n");
        for (int i = 0; i < boxes.size(); i++) {
            int y = MARGIN + i * (BOX_HEIGHT + GAP);
            sb.append(String.format("  <rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"#eef3fb\" stroke=\"#333\"/>%n",
                    MARGIN, y, BOX_WIDTH, BOX_HEIGHT));
            sb.append(String.format("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", MARGIN, y + BOX_HEIGHT / 2,
                    MARGIN + BOX_WIDTH, y + BOX_HEIGHT / 2));
            sb.append(String.format("  <text x=\"%d\" y=\"%d\" font-size=\"14\" text-anchor=\"middle\">%s</text>%n",
                    MARGIN + BOX_WIDTH / 2, y + 19, escapeXml(boxes.get(i).title())));
            sb.append(String.format("  <text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>%n",
                    MARGIN + BOX_WIDTH / 2, y + 46, escapeXml(boxes.get(i).shapes())));
            if (i > 0) {
                sb.append(String.format("  <line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\" marker-end=\"url(#arrow)\"/>%n",
                        MARGIN + BOX_WIDTH / 2, y - GAP, MARGIN + BOX_WIDTH / 2, y - 2));
            }
        }
        return sb.append("</svg>\n").toString();
    }

    private static String escapeDot(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("{", "\\{").replace("}", "\\}")
                .replace("|", "\\|").replace("<", "\\<").replace(">", "\\>");
    }

    private static String escapeXml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
