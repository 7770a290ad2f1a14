package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.Shape;
import io.jitflow.ir.Variable;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.plot.GraphPicture;
import io.jitflow.compiler.CompilerDriver;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code jitflow show FILE [--function NAME] [--kernels] [--output-dir DIR]}: a summary of a graph
 * file (functions, inputs, outputs, node counts per op, parameters) and a picture of each function
 * as DOT and SVG. With {@code --kernels}, the functions are optimized and the picture outlines the
 * kernels fusion forms.
 */
final class ShowCommand extends Command {
    ShowCommand() {
        super("show", "FILE [--function NAME] [--kernels] [--output-dir DIR]",
                "summarize a graph file and draw each function as DOT and SVG (--kernels: optimized, kernels outlined)",
                Set.of("function", "output-dir"), Set.of("kernels"));
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        Path dir = Path.of(args.option("output-dir") == null ? "." : args.option("output-dir"));
        Graph graph = GraphFiles.read(file);
        long parameters = graph.variables().stream().mapToLong(v -> Shape.checkedElementCount(v.type().shape().sizes())).sum();
        out.printf("%s: format %d, opset %d; %d function(s), %d variable(s), %,d parameters%n", file, graph.formatVersion(),
                graph.opsetVersion(), graph.functions().size(), graph.variables().size(), parameters);
        for (Variable v : graph.variables()) {
            out.printf("  variable @%s : %s%s%n", v.name(), v.type(), v.trainable() ? "" : " (not trainable)");
        }
        List<Function> functions = args.option("function") == null ? graph.functions()
                : List.of(Signatures.choose(graph, args.option("function"), file));
        boolean kernels = args.flag("kernels");
        CompilerDriver compiler = new CompilerDriver(args.compileOptions());
        Graph shown = kernels ? compiler.optimize(graph) : graph;
        Files.createDirectories(dir);
        String base = file.getFileName().toString().replaceFirst("\\.jfg$", "");
        for (Function declared : functions) {
            Function f = shown.function(declared.name()).orElseThrow();
            out.println();
            out.println("@" + Signatures.describe(f));
            out.printf("  %d nodes%s: %s%n", f.nodes().size(), kernels ? " after optimization" : "", opCounts(f));
            KernelProgram program = null;
            if (kernels) {
                program = compiler.lower(shown, f.name());
                out.printf("  %d kernel(s):%n", program.kernels().size());
                for (int k = 0; k < program.kernels().size(); k++) {
                    Kernel kernel = program.kernels().get(k);
                    out.printf("    kernel %d (%s): %s%n", k, kernel.getClass().getSimpleName().toLowerCase(),
                            kernel.fused().stream().map(name -> "%" + name).collect(Collectors.joining(", ")));
                }
            }
            GraphPicture picture = GraphPicture.of(f, program);
            for (String extension : List.of("svg", "dot")) {
                Path target = dir.resolve(base + "." + f.name() + "." + extension);
                picture.write(target, f.name());
                out.println("  picture: " + target);
            }
        }
    }

    /** "matmul 2, add 1, ..." with the most frequent first. */
    private static String opCounts(Function f) {
        Map<String, Long> counts = new TreeMap<>(f.nodes().stream().collect(Collectors.groupingBy(n -> n.op().mnemonic(),
                Collectors.counting())));
        return counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }
}
