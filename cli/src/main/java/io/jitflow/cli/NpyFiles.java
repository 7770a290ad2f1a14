package io.jitflow.cli;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.npy.Npy;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** The NPY inputs and outputs of the commands that run a function: {@code --input NAME=PATH.npy}, {@code --output-dir DIR}. */
final class NpyFiles {
    private NpyFiles() {
    }

    static Path outputDir(Arguments args) throws UsageException {
        String dir = args.option("output-dir");
        if (dir == null) {
            throw new UsageException("missing --output-dir DIR");
        }
        return Path.of(dir);
    }

    /** Reads every {@code --input NAME=PATH.npy}, by name. */
    static Map<String, HostTensor> readInputs(Arguments args) throws UsageException, IOException {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (String spec : args.all("input")) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new UsageException("--input expects NAME=PATH.npy, got '" + spec + "'");
            }
            String name = spec.substring(0, eq);
            if (inputs.containsKey(name)) {
                throw new UsageException("input '" + name + "' is given twice");
            }
            inputs.put(name, Npy.read(Path.of(spec.substring(eq + 1))));
        }
        return inputs;
    }

    /** Writes DIR/NAME.npy per result and lists them. */
    static void writeOutputs(Map<String, HostTensor> results, Path dir, PrintStream out) throws IOException {
        for (Map.Entry<String, HostTensor> r : results.entrySet()) {
            Path target = dir.resolve(r.getKey() + ".npy");
            Npy.write(r.getValue(), target);
            out.printf("%s: %s%s%n", target, r.getValue().dtype(), Arrays.toString(r.getValue().shape()));
        }
    }
}
