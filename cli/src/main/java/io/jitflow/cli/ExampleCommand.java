package io.jitflow.cli;

import io.jitflow.examples.Examples;
import java.io.PrintStream;
import java.util.Set;
import java.util.function.Consumer;

/** {@code jitflow example NAME}: runs one of the example programs. */
final class ExampleCommand extends Command {
    ExampleCommand() {
        super("example", "NAME", "run an example program (" + String.join(", ", Examples.all().keySet()) + ")",
                Set.of(), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        String name = args.onePositional("NAME");
        Consumer<PrintStream> example = Examples.all().get(name);
        if (example == null) {
            throw new UsageException("unknown example '" + name + "' (examples: "
                    + String.join(", ", Examples.all().keySet()) + ")");
        }
        example.accept(out);
    }
}
