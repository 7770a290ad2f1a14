package io.jitflow.cli;

import io.jitflow.ir.IrException;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.aot.AotModule;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code jitflow exec OUT.jar [--function NAME] [--device cpu|cuda[:N]] --input NAME=PATH.npy ...
 * --output-dir DIR}: runs a function of an AOT jar (trusted code) on NPY inputs, on the CPU or a
 * CUDA device; writes one NPY per output.
 */
final class ExecCommand extends Command {
    ExecCommand() {
        super("exec", "JAR [--function NAME] [--device cpu|cuda[:N]] --input NAME=PATH.npy ... --output-dir DIR",
                "run a function of an ahead-of-time compiled jar; write NAME.npy per output",
                Set.of("function", "input", "output-dir", "device"), Set.of());
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        Path jar = Path.of(args.onePositional("JAR"));
        Path outputDir = NpyFiles.outputDir(args);
        var inputs = NpyFiles.readInputs(args);
        Device device = args.device();
        AotModule module = AotModule.load(jar, device);
        String function = args.option("function");
        List<String> names = module.functionNames();
        if (function == null) {
            if (names.size() != 1) {
                throw new IrException(jar + " has " + names.size() + " functions (" + String.join(", ", names)
                        + "); choose one with --function NAME");
            }
            function = names.get(0);
        }
        NpyFiles.writeOutputs(module.call(function, inputs), outputDir, out);
    }
}
