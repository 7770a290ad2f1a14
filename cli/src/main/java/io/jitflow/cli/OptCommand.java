package io.jitflow.cli;

import io.jitflow.compiler.CompileOptions;
import io.jitflow.compiler.CompilerDriver;
import io.jitflow.compiler.Pipeline;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.PtxTarget;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.passes.Pass;
import io.jitflow.passes.PassManager;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code jitflow opt FILE [--bind DIM=SIZE,...] [--dump-after STAGE[,STAGE]|all] [--passes P1,P2]
 * [--target cuda]}: prints the optimized graph and each function's kernel program (with --target
 * cuda, its PTX); with --bind, the graph is first specialized to those dim sizes; with
 * --dump-after, the program after each named stage (a pass, fuse, merge-siblings, plan-buffers).
 */
final class OptCommand extends Command {
    OptCommand() {
        super("opt", "FILE [--bind DIM=SIZE,...] [--passes P1,P2,...] [--dump-after STAGE[,STAGE...]|all] [--target cuda]",
                "print the optimized graph and its kernel programs, or with --target cuda their PTX (passes: "
                        + String.join(", ", PassManager.byName().keySet()) + ")",
                Set.of("passes", "dump-after", "target", "bind"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Graph graph = GraphFiles.read(Path.of(args.onePositional("FILE")));
        String dump = args.option("dump-after");
        CompileOptions options = args.compileOptions()
                .withDumpAfter(dump == null ? Set.of() : Set.of(dump.split(",")), out);
        String target = args.option("target");
        if (target != null && !target.equals("cuda")) {
            throw new UsageException("unknown --target '" + target + "' (expected cuda)");
        }
        CompilerDriver compiler;
        try {
            String passes = args.option("passes");
            compiler = new CompilerDriver(options, passes == null ? Pipeline.standard(options)
                    : Pipeline.withPasses(passes(passes), options));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Graph optimized = compiler.optimize(graph);
        out.print(GraphPrinter.print(optimized));
        for (Function f : optimized.functions()) {
            out.println();
            KernelProgram program = compiler.lower(optimized, f.name());
            // The PTX the CUDA backend runs under these options (exact mode or not).
            out.print(target == null ? program.toString()
                    : PtxGenerator.module(program, PtxTarget.DEFAULT, options.exact()).ptx());
        }
    }

    private static List<Pass> passes(String list) throws UsageException {
        List<Pass> chosen = new ArrayList<>();
        for (String name : list.split(",")) {
            Pass p = PassManager.byName().get(name.strip());
            if (p == null) {
                throw new UsageException("unknown pass '" + name + "' (passes: "
                        + String.join(", ", PassManager.byName().keySet()) + ")");
            }
            chosen.add(p);
        }
        return chosen;
    }
}
