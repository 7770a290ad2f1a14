package io.jitflow.ir.plot;

import io.jitflow.ir.Function;
import io.jitflow.ir.Node;
import io.jitflow.ir.Value;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A picture of a dataflow graph: boxes of text lines joined by arrows, optionally with groups (the
 * kernels that fusion formed) outlined. Written as Graphviz DOT, or as SVG or PNG laid out here
 * (boxes in layers by longest path from the inputs), so no external program is needed.
 */
public final class GraphPicture {
    private static final int CHAR_WIDTH = 8;
    private static final int LINE_HEIGHT = 18;
    private static final int H_GAP = 28;
    private static final int V_GAP = 40;
    private static final int MARGIN = 24;
    private static final int GROUP_PAD = 8;
    private static final String INK = "#333333";
    private static final String GROUP_COLOR = "#c05000";

    /** A box: its lines of text, the first one a title. */
    public record Box(List<String> lines) {
    }

    /** An arrow between boxes, by index. */
    public record Edge(int from, int to) {
    }

    /** An outlined group of boxes, by index. */
    public record Group(String label, List<Integer> members) {
    }

    private final List<Box> boxes;
    private final List<Edge> edges;
    private final List<Group> groups;

    /** Boxes must come in an order where every edge goes forward (a topological order). */
    public GraphPicture(List<Box> boxes, List<Edge> edges, List<Group> groups) {
        this.boxes = List.copyOf(boxes);
        this.edges = List.copyOf(edges);
        this.groups = List.copyOf(groups);
        for (Edge e : edges) {
            if (e.from() >= e.to()) {
                throw new IllegalArgumentException("edge " + e + " does not go forward");
            }
        }
    }

    /** A column of boxes, each feeding the next. */
    public static GraphPicture chain(List<Box> boxes) {
        List<Edge> edges = new ArrayList<>();
        for (int i = 1; i < boxes.size(); i++) {
            edges.add(new Edge(i - 1, i));
        }
        return new GraphPicture(boxes, edges, List.of());
    }

    /**
     * A function: a box per input, node and output. With {@code program} (the function's kernel
     * program), each kernel's fused nodes are outlined as a group.
     */
    public static GraphPicture of(Function f, KernelProgram program) {
        List<Box> boxes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        Map<String, Integer> producer = new HashMap<>();
        for (Value in : f.inputs()) {
            producer.put(in.name(), boxes.size());
            boxes.add(new Box(List.of("input " + in.name(), in.type().toString())));
        }
        for (Node n : f.nodes()) {
            int index = boxes.size();
            String results = String.join(", ", n.outputs().stream().map(v -> "%" + v.name()).toList());
            List<String> types = n.outputs().stream().map(v -> v.type().toString()).toList();
            boxes.add(new Box(List.of((results.isEmpty() ? "" : results + " = ") + n.op().mnemonic(),
                    types.isEmpty() ? "(no result)" : String.join(", ", types))));
            for (Value in : n.inputs()) {
                edges.add(new Edge(producer.get(in.name()), index));
            }
            n.outputs().forEach(v -> producer.put(v.name(), index));
        }
        for (Function.Output out : f.outputs()) {
            edges.add(new Edge(producer.get(out.value().name()), boxes.size()));
            boxes.add(new Box(List.of("output " + out.name(), out.value().type().toString())));
        }
        List<Group> groups = new ArrayList<>();
        if (program != null) {
            for (int k = 0; k < program.kernels().size(); k++) {
                Kernel kernel = program.kernels().get(k);
                List<Integer> members = kernel.fused().stream().map(producer::get).filter(i -> i != null && i >= f.inputs().size())
                        .distinct().sorted().toList();
                if (!members.isEmpty()) {
                    groups.add(new Group("kernel " + k + " (" + kernel.getClass().getSimpleName().toLowerCase() + ")", members));
                }
            }
        }
        return new GraphPicture(boxes, edges, groups);
    }

    /** Writes the picture as Graphviz DOT to a .dot file, as SVG to a .svg file, as PNG to a .png file. */
    public void write(java.nio.file.Path file, String name) throws java.io.IOException {
        String fileName = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (fileName.endsWith(".dot")) {
            java.nio.file.Files.writeString(file, dot(name));
        } else if (fileName.endsWith(".svg") || fileName.endsWith(".png")) {
            Layout layout = layout();
            Canvas.write(file, "a picture", layout.width, layout.height, canvas -> draw(layout, canvas));
        } else {
            throw new IllegalArgumentException("pictures are written as .dot, .svg or .png files, got " + file.getFileName());
        }
    }

    public String dot(String name) {
        StringBuilder sb = new StringBuilder("digraph \"" + escapeDot(name) + "\" {\n  node [shape=record, fontname=\"Helvetica\"];\n");
        for (int g = 0; g < groups.size(); g++) {
            sb.append("  subgraph cluster_").append(g).append(" {\n    label=\"").append(escapeDot(groups.get(g).label()))
                    .append("\"; style=dashed;\n   ");
            groups.get(g).members().forEach(i -> sb.append(" n").append(i).append(';'));
            sb.append("\n  }\n");
        }
        for (int i = 0; i < boxes.size(); i++) {
            sb.append("  n").append(i).append(" [label=\"{")
                    .append(String.join("|", boxes.get(i).lines().stream().map(GraphPicture::escapeDot).toList())).append("}\"];\n");
        }
        for (Edge e : edges) {
            sb.append("  n").append(e.from()).append(" -> n").append(e.to()).append(";\n");
        }
        return sb.append("}\n").toString();
    }

    /** Where each box goes: layers top to bottom (a box below everything it comes from), a column per box of a layer. */
    private record Layout(int[] x, int[] y, int boxWidth, int boxHeight, int width, int height) {
    }

    private Layout layout() {
        int n = boxes.size();
        int[] layer = new int[n];
        for (Edge e : edges) {
            layer[e.to()] = Math.max(layer[e.to()], layer[e.from()] + 1);
        }
        int[] groupOf = new int[n];
        java.util.Arrays.fill(groupOf, -1);
        for (int g = 0; g < groups.size(); g++) {
            for (int i : groups.get(g).members()) {
                groupOf[i] = g;
            }
        }
        // Within a layer, members of one group sit side by side so that its outline stays compact.
        List<List<Integer>> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            while (layers.size() <= layer[i]) {
                layers.add(new ArrayList<>());
            }
            layers.get(layer[i]).add(i);
        }
        layers.forEach(l -> l.sort(Comparator.comparingInt((Integer i) -> groupOf[i]).thenComparingInt(i -> i)));
        int boxWidth = 0;
        int boxHeight = 0;
        for (Box b : boxes) {
            boxWidth = Math.max(boxWidth, 20 + CHAR_WIDTH * b.lines().stream().mapToInt(String::length).max().orElse(0));
            boxHeight = Math.max(boxHeight, 10 + LINE_HEIGHT * b.lines().size());
        }
        int[] x = new int[n];
        int[] y = new int[n];
        int columns = 0;
        for (int l = 0; l < layers.size(); l++) {
            List<Integer> row = layers.get(l);
            columns = Math.max(columns, row.size());
            for (int c = 0; c < row.size(); c++) {
                x[row.get(c)] = MARGIN + c * (boxWidth + H_GAP);
                y[row.get(c)] = MARGIN + l * (boxHeight + V_GAP);
            }
        }
        int width = 2 * MARGIN + columns * boxWidth + Math.max(0, columns - 1) * H_GAP;
        int height = 2 * MARGIN + layers.size() * boxHeight + Math.max(0, layers.size() - 1) * V_GAP;
        return new Layout(x, y, boxWidth, boxHeight, width, height);
    }

    /** The picture as SVG text. */
    public String svg() {
        Layout layout = layout();
        SvgCanvas svg = new SvgCanvas();
        draw(layout, svg);
        return svg.document(layout.width, layout.height);
    }

    private void draw(Layout at, Canvas canvas) {
        int[] x = at.x;
        int[] y = at.y;
        for (Group g : groups) {
            int left = Integer.MAX_VALUE;
            int top = Integer.MAX_VALUE;
            int right = 0;
            int bottom = 0;
            for (int i : g.members()) {
                left = Math.min(left, x[i]);
                top = Math.min(top, y[i]);
                right = Math.max(right, x[i] + at.boxWidth);
                bottom = Math.max(bottom, y[i] + at.boxHeight);
            }
            int l = left;
            int t = top;
            int w = right - left;
            int h = bottom - top;
            canvas.group("group", () -> {
                canvas.rect(l - GROUP_PAD, t - GROUP_PAD - 12, w + 2 * GROUP_PAD, h + 2 * GROUP_PAD + 12, null, GROUP_COLOR,
                        true, false);
                canvas.text(l - GROUP_PAD + 4, t - GROUP_PAD - 2, g.label(), -1, 11, GROUP_COLOR);
            });
        }
        for (Edge e : edges) {
            canvas.line(x[e.from()] + at.boxWidth / 2.0, y[e.from()] + at.boxHeight, x[e.to()] + at.boxWidth / 2.0,
                    y[e.to()] - 2, INK, true);
        }
        for (int i = 0; i < boxes.size(); i++) {
            List<String> lines = boxes.get(i).lines();
            canvas.rect(x[i], y[i], at.boxWidth, at.boxHeight, "#eef3fb", INK, false, true);
            for (int l = 0; l < lines.size(); l++) {
                canvas.text(x[i] + at.boxWidth / 2.0, y[i] + 1 + LINE_HEIGHT * (l + 1), lines.get(l), 0, l == 0 ? 14 : 12,
                        "#000000");
            }
        }
    }

    private static String escapeDot(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("{", "\\{").replace("}", "\\}")
                .replace("|", "\\|").replace("<", "\\<").replace(">", "\\>");
    }

}
