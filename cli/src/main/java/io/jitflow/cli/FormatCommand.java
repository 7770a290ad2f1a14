package io.jitflow.cli;

import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/** {@code jitflow fmt FILE}: prints the canonical form; formatting that again changes nothing. */
final class FormatCommand extends Command {
    FormatCommand() {
        super("fmt", "FILE", "print a graph file in canonical form (comments are not kept)", Set.of(), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        out.print(GraphPrinter.print(GraphFiles.read(Path.of(args.onePositional("FILE")))));
    }
}
