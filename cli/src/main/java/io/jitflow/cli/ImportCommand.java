package io.jitflow.cli;

import io.jitflow.ir.Graph;
import io.jitflow.onnx.Onnx;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code jitflow import MODEL.onnx -o OUT.jfg [--input NAME=FILE.npy ...]}: converts an ONNX model to
 * the text format (large weights to the sidecar); --input binds inputs that decide shapes.
 */
final class ImportCommand extends Command {
    ImportCommand() {
        super("import", "MODEL.onnx -o OUT.jfg [--input NAME=FILE.npy ...]",
                "convert an ONNX model to a graph file (inputs that decide shapes bound with --input)",
                Set.of("output", "input"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path model = Path.of(args.onePositional("MODEL.onnx"));
        String output = args.option("output");
        if (output == null) {
            throw new UsageException("missing -o OUT.jfg");
        }
        Graph graph = Onnx.read(model, NpyFiles.readInputs(args));
        Path target = Path.of(output);
        GraphFiles.write(graph, target);
        out.printf("%s: @%s%n", target, Signatures.describe(graph.functions().get(0)));
    }
}
