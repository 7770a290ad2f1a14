package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * {@code jitflow run FILE [--function NAME] --input NAME=PATH.npy ... --output-dir DIR}: runs a
 * function on NPY inputs (variables start at their initial values) and writes one NPY per output.
 * The function is optimized and compiled to bytecode; {@code --interpret} runs the reference
 * interpreter instead.
 */
final class RunCommand extends Command {
    RunCommand() {
        super("run", "FILE [--function NAME] --input NAME=PATH.npy ... --output-dir DIR [--interpret]",
                "compile and run a function on NPY inputs; write NAME.npy per output (--interpret: reference interpreter)",
                Set.of("function", "input", "output-dir"), Set.of("interpret"));
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        Path outputDir = NpyFiles.outputDir(args);
        Map<String, HostTensor> inputs = NpyFiles.readInputs(args);
        Graph graph = GraphFiles.read(file);
        Function function = Signatures.choose(graph, args.option("function"), file);
        VariableStore variables = VariableStore.initialValues(graph);
        Map<String, HostTensor> results = args.flag("interpret") ? Interpreter.run(function, inputs, variables)
                : Pipeline.compile(graph, function.name()).run(inputs, variables);
        NpyFiles.writeOutputs(results, outputDir, out);
    }
}
