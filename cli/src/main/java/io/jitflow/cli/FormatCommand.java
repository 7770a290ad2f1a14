package io.jitflow.cli;

import io.jitflow.text.GraphFiles;
import io.jitflow.text.GraphPrinter;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code jitflow fmt FILE}: prints the canonical form; formatting that again changes nothing. */
final class FormatCommand implements Command {
    public String name() {
        return "fmt";
    }

    public String usage() {
        return "FILE";
    }

    public String summary() {
        return "print a graph file in canonical form (comments are not kept)";
    }

    public Set<String> valueOptions() {
        return Set.of();
    }

    public Set<String> flags() {
        return Set.of();
    }

    public void run(Arguments args, PrintStream out) throws Exception {
        out.print(GraphPrinter.print(GraphFiles.read(Path.of(args.onePositional("FILE")))));
    }
}
