package io.jitflow.cli;

import io.jitflow.compiler.AheadOfTime;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code jitflow compile FILE -o OUT.jar [--target cpu|cuda|all]}: compiles every function of a graph
 * file ahead of time into a jar (JVM classes, PTX, or both) that {@code jitflow exec} (or
 * {@code AotModule.load}) runs without the compiler; with --bind, for those dim sizes only.
 */
final class CompileCommand extends Command {
    CompileCommand() {
        super("compile", "FILE -o OUT.jar [--target cpu|cuda|all] [--bind DIM=SIZE,...]",
                "compile a graph file ahead of time into a jar that runs on the runtime alone",
                Set.of("output", "target", "bind"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        String output = args.option("output");
        if (output == null) {
            throw new UsageException("missing -o OUT.jar");
        }
        String target = args.option("target") == null ? "cpu" : args.option("target");
        if (!Set.of("cpu", "cuda", "all").contains(target)) {
            throw new UsageException("unknown --target '" + target + "' (expected cpu, cuda or all)");
        }
        Path jar = Path.of(output);
        AheadOfTime.compile(file, jar, AheadOfTime.Target.valueOf(target.toUpperCase(java.util.Locale.ROOT)),
                args.compileOptions());
        out.printf("%s: %,d bytes%n", jar, Files.size(jar));
    }
}
