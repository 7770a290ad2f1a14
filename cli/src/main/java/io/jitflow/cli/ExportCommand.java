package io.jitflow.cli;

import io.jitflow.ir.Graph;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.Onnx;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** {@code jitflow export FILE -o OUT.onnx [--function NAME]}: writes one function of a graph file as an ONNX model. */
final class ExportCommand extends Command {
    ExportCommand() {
        super("export", "FILE -o OUT.onnx [--function NAME]",
                "write a function of a graph file as an ONNX model (variables as initializers)",
                Set.of("output", "function"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        String output = args.option("output");
        if (output == null) {
            throw new UsageException("missing -o OUT.onnx");
        }
        Graph graph = GraphFiles.read(file);
        String function = args.option("function");
        if (function == null) {
            if (graph.functions().size() != 1) {
                throw new UsageException(file + " has " + graph.functions().size() + " functions; choose one with --function");
            }
            function = graph.functions().get(0).name();
        }
        Path target = Path.of(output);
        Onnx.write(graph, function, VariableStore.initialValues(graph), target);
        out.printf("%s: @%s as ONNX opset %d, %,d bytes%n", target, function, Onnx.exportOpset(), Files.size(target));
    }
}
