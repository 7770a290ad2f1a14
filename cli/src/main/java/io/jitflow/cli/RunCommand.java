package io.jitflow.cli;

import io.jitflow.Jit;
import io.jitflow.Tensor;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.runtime.Device;
import io.jitflow.text.GraphFiles;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code jitflow run FILE [--function NAME] --input NAME=PATH.npy ... --output-dir DIR [--device cpu|cuda:N]}:
 * runs a function on NPY inputs (variables start at their initial values) and writes one NPY per
 * output. The graph is optimized and compiled for the device (the CPU by default), as
 * {@code Jit.load} compiles it; {@code --interpret} runs the reference interpreter instead.
 */
final class RunCommand extends Command {
    RunCommand() {
        super("run", "FILE [--function NAME] --input NAME=PATH.npy ... --output-dir DIR [--device cpu|cuda:N] [--interpret]",
                "compile and run a function on NPY inputs; write NAME.npy per output (--interpret: reference interpreter)",
                Set.of("function", "input", "output-dir", "device"), Set.of("interpret"));
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path file = Path.of(args.onePositional("FILE"));
        Path outputDir = NpyFiles.outputDir(args);
        Map<String, HostTensor> inputs = NpyFiles.readInputs(args);
        Graph graph = GraphFiles.read(file);
        Function function = Signatures.choose(graph, args.option("function"), file);
        if (args.flag("interpret")) {
            NpyFiles.writeOutputs(Interpreter.run(function, inputs, VariableStore.initialValues(graph)), outputDir, out);
            return;
        }
        Device device = args.device();
        Map<String, Tensor> arguments = new LinkedHashMap<>();
        inputs.forEach((name, value) -> arguments.put(name, Tensor.of(value).toDevice(device)));
        Map<String, HostTensor> results = new LinkedHashMap<>();
        Jit.compile(graph, device).call(function.name(), arguments).forEach((name, t) -> results.put(name, t.toHostTensor()));
        NpyFiles.writeOutputs(results, outputDir, out);
    }
}
