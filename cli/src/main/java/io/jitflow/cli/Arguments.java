package io.jitflow.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A command's arguments: positionals, {@code --name value} options (repeatable ones collected in
 * order) and {@code --flag} switches. Anything not declared is a usage error.
 */
final class Arguments {
    private final List<String> positionals = new ArrayList<>();
    private final Map<String, List<String>> options = new LinkedHashMap<>();

    private Arguments() {
    }

    static Arguments parse(List<String> args, Set<String> valueOptions, Set<String> flags) throws UsageException {
        Arguments a = new Arguments();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i).equals("-o") ? "--output" : args.get(i);
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0 && valueOptions.contains(name.substring(0, eq))) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (flags.contains(name)) {
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                } else if (valueOptions.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new UsageException("option --" + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    a.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    throw new UsageException("unknown option " + arg);
                }
            } else {
                a.positionals.add(arg);
            }
        }
        return a;
    }

    List<String> positionals() {
        return positionals;
    }

    /** The single positional argument, named {@code what} in the error if it is missing or repeated. */
    String onePositional(String what) throws UsageException {
        if (positionals.size() != 1) {
            throw new UsageException(positionals.isEmpty() ? "missing " + what : "expected one " + what + ", got "
                    + positionals.size() + ": " + String.join(" ", positionals));
        }
        return positionals.get(0);
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    String option(String name) throws UsageException {
        List<String> values = options.get(name);
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            throw new UsageException("option --" + name + " is given more than once");
        }
        return values.get(0);
    }

    /** The device {@code --device} names ({@code cpu}, {@code cuda}, {@code cuda:N}); the CPU when it is absent. */
    io.jitflow.runtime.Device device() throws UsageException {
        String spec = option("device");
        try {
            return spec == null ? io.jitflow.runtime.Device.cpu() : io.jitflow.runtime.Device.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device: " + e.getMessage());
        }
    }

    /**
     * The compile options: the defaults as system properties set them, with the dims {@code --bind}
     * binds (for the commands that take it) and the device {@code --device} names.
     */
    io.jitflow.compiler.CompileOptions compileOptions() throws UsageException {
        io.jitflow.compiler.CompileOptions options = io.jitflow.compiler.CompileOptions.fromSystemProperties()
                .withDevice(device());
        String bindings = option("bind");
        if (bindings == null) {
            return options;
        }
        try {
            return options.withShapeBindings(io.jitflow.passes.SpecializeShapes.parse(bindings));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--bind: " + e.getMessage());
        }
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }
}
