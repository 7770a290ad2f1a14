package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.IrException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Function signatures as the CLI prints them: {@code name(x: float32[batch, 3]) -> (y: float32[batch, 2])}. */
final class Signatures {
    private Signatures() {
    }

    static String describe(Function f) {
        String inputs = f.inputs().stream().map(v -> v.name() + ": " + v.type()).collect(Collectors.joining(", "));
        String outputs = f.outputs().stream().map(o -> o.name() + ": " + o.value().type()).collect(Collectors.joining(", "));
        return f.name() + "(" + inputs + ") -> (" + outputs + ")";
    }

    /** The function named {@code name}, or the file's only function when no name is given. */
    static Function choose(Graph graph, String name, Path file) {
        if (name != null) {
            return graph.function(name).orElseThrow(() -> new IrException(file + " has no function @" + name
                    + " (functions: " + names(graph) + ")"));
        }
        if (graph.functions().size() != 1) {
            throw new IrException(file + " has " + graph.functions().size() + " functions (" + names(graph)
                    + "); choose one with --function NAME");
        }
        return graph.functions().get(0);
    }

    static String names(Graph graph) {
        return String.join(", ", graph.functions().stream().map(Function::name).toList());
    }
}
