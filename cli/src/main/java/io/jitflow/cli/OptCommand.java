package io.jitflow.cli;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.passes.PassManager;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code jitflow opt FILE [--bind DIM=SIZE,...] [--dump-after PASS[,PASS]|all] [--passes P1,P2]
 * [--target cuda]}: prints the optimized graph and each function's kernel program (with --target
 * cuda, its PTX); with --bind, the graph is first specialized to those dim sizes; with
 * --dump-after, the function after each named pass.
 */
final class OptCommand extends Command {
    OptCommand() {
        super("opt", "FILE [--bind DIM=SIZE,...] [--passes P1,P2,...] [--dump-after PASS[,PASS...]|all] [--target cuda]",
                "print the optimized graph and its kernel programs, or with --target cuda their PTX (passes: "
                        + String.join(", ", PassManager.byName().keySet()) + ")",
                Set.of("passes", "dump-after", "target", "bind"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Graph graph = Pipeline.specialize(GraphFiles.read(Path.of(args.onePositional("FILE"))), args.option("bind"));
        PassManager passes = passes(args.option("passes"));
        String dump = args.option("dump-after");
        if (dump != null) {
            Set<String> names = new HashSet<>(List.of(dump.split(",")));
            for (String name : names) {
                if (!name.equals("all") && !PassManager.byName().containsKey(name)) {
                    throw new UsageException("unknown pass '" + name + "' (passes: "
                            + String.join(", ", PassManager.byName().keySet()) + ")");
                }
            }
            passes.dumpAfter(names, out);
        }
        String target = args.option("target");
        if (target != null && !target.equals("cuda")) {
            throw new UsageException("unknown --target '" + target + "' (expected cuda)");
        }
        Graph optimized = Pipeline.optimize(graph, passes);
        out.print(GraphPrinter.print(optimized));
        for (Function f : optimized.functions()) {
            out.println();
            KernelProgram program = Pipeline.lower(optimized, f.name());
            out.print(target == null ? program.toString() : PtxGenerator.generate(program));
        }
    }

    private static PassManager passes(String list) throws UsageException {
        if (list == null) {
            return PassManager.defaultPipeline();
        }
        List<io.jitflow.passes.Pass> chosen = new java.util.ArrayList<>();
        for (String name : list.split(",")) {
            io.jitflow.passes.Pass p = PassManager.byName().get(name.strip());
            if (p == null) {
                throw new UsageException("unknown pass '" + name + "' (passes: "
                        + String.join(", ", PassManager.byName().keySet()) + ")");
            }
            chosen.add(p);
        }
        return new PassManager(chosen);
    }
}
