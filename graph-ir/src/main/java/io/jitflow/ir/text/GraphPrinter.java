package io.jitflow.ir.text;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Node;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import java.util.Map;

/**
 * Prints a graph in the canonical text form: attributes sorted and equal-to-default ones left out,
 * one node per line, constants inline unless a {@link ExternalSink} takes them. Printing what
 * {@code GraphParser} read gives back an equal graph.
 */
public final class GraphPrinter {
    /** Decides where tensor data goes: returns an {@code external<...>} reference, or null to inline. */
    @FunctionalInterface
    public interface ExternalSink {
        String external(HostTensor tensor);
    }

    private final StringBuilder out = new StringBuilder();
    private final ExternalSink sink;

    private GraphPrinter(ExternalSink sink) {
        this.sink = sink;
    }

    /** The whole graph as text, every constant inline. */
    public static String print(Graph graph) {
        return print(graph, t -> null);
    }

    public static String print(Graph graph, ExternalSink sink) {
        GraphPrinter p = new GraphPrinter(sink);
        p.graph(graph);
        return p.out.toString();
    }

    /** One function on its own, as it would appear in a file (for messages and dumps). */
    public static String print(Function function) {
        GraphPrinter p = new GraphPrinter(t -> null);
        p.function(function);
        return p.out.toString();
    }

    private void graph(Graph graph) {
        out.append("jitflow ").append(graph.formatVersion()).append(" opset ").append(graph.opsetVersion()).append('\n');
        graph.metadata().forEach((k, v) -> out.append("metadata ").append(quote(k)).append(" = ").append(quote(v))
                .append('\n'));
        for (Variable v : graph.variables()) {
            out.append('\n').append("variable @").append(v.name()).append(" : ").append(v.type());
            if (v.trainable()) {
                out.append(" trainable");
            }
            out.append(" = ");
            tensorLiteral(v.initialValue());
            out.append('\n');
        }
        for (Function f : graph.functions()) {
            out.append('\n');
            function(f);
        }
    }

    private void function(Function f) {
        out.append("func @");
        body(f, "");
    }

    /**
     * A function's name, signature and nodes, each line prefixed by {@code indent}: the part a
     * function declaration and a region share.
     */
    private void body(Function f, String indent) {
        out.append(f.name()).append('(');
        for (int i = 0; i < f.inputs().size(); i++) {
            Value v = f.inputs().get(i);
            out.append(i > 0 ? ", " : "").append(v).append(" : ").append(v.type());
        }
        out.append(") -> (");
        for (int i = 0; i < f.outputs().size(); i++) {
            Function.Output o = f.outputs().get(i);
            out.append(i > 0 ? ", " : "").append(o.name()).append(" : ").append(o.value().type());
        }
        out.append(") {\n");
        for (Node n : f.nodes()) {
            node(n, indent + "  ");
        }
        out.append(indent).append("  return");
        for (int i = 0; i < f.outputs().size(); i++) {
            out.append(i > 0 ? ", " : " ").append(f.outputs().get(i).value());
        }
        out.append('\n').append(indent).append('}');
        if (indent.isEmpty()) {
            out.append('\n');
        }
    }

    private void node(Node n, String indent) {
        out.append(indent);
        for (int i = 0; i < n.outputs().size(); i++) {
            out.append(i > 0 ? ", " : "").append(n.outputs().get(i));
        }
        if (!n.outputs().isEmpty()) {
            out.append(" = ");
        }
        out.append(n.op().mnemonic()).append('(');
        for (int i = 0; i < n.inputs().size(); i++) {
            out.append(i > 0 ? ", " : "").append(n.inputs().get(i));
        }
        out.append(')');
        boolean first = true;
        for (Map.Entry<String, Attr> e : n.attributes().asMap().entrySet()) {
            AttrSpec spec = n.op().definition().attribute(e.getKey());
            if (spec != null && e.getValue().equals(spec.defaultValue())) {
                continue;
            }
            out.append(first ? " {" : ", ").append(e.getKey()).append(" = ");
            attribute(e.getValue());
            first = false;
        }
        if (!first) {
            out.append('}');
        }
        if (!n.regions().isEmpty()) {
            // Regions in parentheses, one per line block: then (...) {...}, else (...) {...}
            out.append(" (\n");
            for (int i = 0; i < n.regions().size(); i++) {
                out.append(indent).append("  ");
                body(n.regions().get(i), indent + "  ");
                out.append(i + 1 < n.regions().size() ? ",\n" : "\n");
            }
            out.append(indent).append(')');
        }
        for (int i = 0; i < n.outputs().size(); i++) {
            out.append(i > 0 ? ", " : " : ").append(n.outputs().get(i).type());
        }
        out.append('\n');
    }

    private void attribute(Attr a) {
        if (a instanceof Attr.FloatAttr f) {
            out.append(ElementFormat.formatDouble(f.value()));
        } else if (a instanceof Attr.StringAttr s) {
            out.append(quote(s.value()));
        } else if (a instanceof Attr.TensorAttr t) {
            tensorLiteral(t.value());
            out.append(" : ").append(t.value().type());
        } else {
            out.append(switch (a.kind()) {
                case INT -> Long.toString(((Attr.IntAttr) a).value());
                case BOOL -> Boolean.toString(((Attr.BoolAttr) a).value());
                case INTS -> ((Attr.IntsAttr) a).values().toString();
                case DTYPE -> ((Attr.DTypeAttr) a).value().text();
                case SHAPE -> a.toString();
                case FLOAT, STRING, TENSOR -> throw new IllegalStateException("handled above");
            });
        }
    }

    private void tensorLiteral(HostTensor t) {
        String external = sink.external(t);
        if (external != null) {
            out.append(external);
            return;
        }
        out.append("dense<");
        if (t.rank() == 0 || isSplat(t)) {
            out.append(ElementFormat.format(t, 0));
        } else {
            nested(t, 0, 0);
        }
        out.append('>');
    }

    private static boolean isSplat(HostTensor t) {
        if (t.size() < 2) {
            return false;
        }
        long first = t.getBits(0);
        for (int i = 1; i < t.size(); i++) {
            if (t.getBits(i) != first) {
                return false;
            }
        }
        return true;
    }

    /** Prints dims from {@code axis} on, starting at flat element {@code offset}; returns the next offset. */
    private int nested(HostTensor t, int axis, int offset) {
        out.append('[');
        for (int i = 0; i < t.dim(axis); i++) {
            if (i > 0) {
                out.append(", ");
            }
            if (axis == t.rank() - 1) {
                out.append(ElementFormat.format(t, offset++));
            } else {
                offset = nested(t, axis + 1, offset);
            }
        }
        out.append(']');
        return offset;
    }

    /** A string literal of the text format, quoted and escaped. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
