package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.IrException;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.npy.Npy;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
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
        String outputDir = args.option("output-dir");
        if (outputDir == null) {
            throw new UsageException("missing --output-dir DIR");
        }
        Map<String, Path> inputPaths = new LinkedHashMap<>();
        for (String spec : args.all("input")) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UsageException("--input expects NAME=PATH.npy, got '" + spec + "'");
            }
            if (inputPaths.put(spec.substring(0, eq), Path.of(spec.substring(eq + 1))) != null) {
                throw new UsageException("input '" + spec.substring(0, eq) + "' is given twice");
            }
        }
        Graph graph = GraphFiles.read(file);
        Function function = chooseFunction(graph, args.option("function"), file);
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputPaths.entrySet()) {
            inputs.put(e.getKey(), Npy.read(e.getValue()));
        }
        VariableStore variables = VariableStore.initialValues(graph);
        Map<String, HostTensor> results = args.flag("interpret") ? Interpreter.run(function, inputs, variables)
                : Pipeline.compile(graph, function.name()).run(inputs, variables);
        Path dir = Path.of(outputDir);
        for (Map.Entry<String, HostTensor> r : results.entrySet()) {
            Path target = dir.resolve(r.getKey() + ".npy");
            Npy.write(r.getValue(), target);
            out.printf("%s: %s%s%n", target, r.getValue().dtype(), Arrays.toString(r.getValue().shape()));
        }
    }

    private static Function chooseFunction(Graph graph, String name, Path file) {
        if (name != null) {
            return graph.function(name).orElseThrow(() -> new IrException(file + " has no function @" + name
                    + " (functions: " + names(graph) + ")"));
        }
        if (graph.functions().size() != 1) {
            throw new IrException(file + " has " + graph.functions().size() + " functions (" + names(graph)
                    + "); choose one with --function NAME");
        }
        return graph.functions().get(0);
    }

    private static String names(Graph graph) {
        return String.join(", ", graph.functions().stream().map(Function::name).toList());
    }
}
