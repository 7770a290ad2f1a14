package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code jitflow check FILE}: parses and verifies a graph file. */
final class CheckCommand extends Command {
    CheckCommand() {
        super("check", "FILE", "parse and verify a graph file", Set.of(), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        Graph g = GraphFiles.read(file);
        int nodes = g.functions().stream().mapToInt(f -> f.nodes().size()).sum();
        out.printf("%s: ok (%d function%s, %d node%s, %d variable%s)%n", file, g.functions().size(),
                g.functions().size() == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s", g.variables().size(),
                g.variables().size() == 1 ? "" : "s");
        for (Function f : g.functions()) {
            out.printf("  @%s%n", Signatures.describe(f));
        }
    }
}
