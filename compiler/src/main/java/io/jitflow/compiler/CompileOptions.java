package io.jitflow.compiler;

import io.jitflow.runtime.Device;
import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Everything that steers one compilation, passed explicitly down the driver: nothing below the
 * outermost layer reads a system property.
 *
 * @param device        where the code runs: {@code cpu} or a CUDA device
 * @param exact         generated code bit-identical to the reference interpreter (scalar, float64 sums)
 * @param vectorize     CPU float maps on the Vector API where it is present (not in exact mode); its
 *                      width is the platform's preferred one
 * @param threads       the most threads one run's CPU kernels use; 0 for one per processor
 * @param shapeBindings symbolic dims bound to sizes before the passes run ({@code batch=32})
 * @param dumpAfter     stages after which the program is printed ({@code all} for every stage)
 * @param dumps         where dumps go
 * @param verify        run the verifier after every graph pass
 */
public record CompileOptions(Device device, boolean exact, boolean vectorize, int threads,
                             Map<String, Integer> shapeBindings, Set<String> dumpAfter, PrintStream dumps,
                             boolean verify) {
    /** CPU, fast code, every processor, no bindings, dumps or verification. */
    public static final CompileOptions DEFAULTS = new CompileOptions(Device.cpu(), false, true, 0, Map.of(), Set.of(),
            System.err, false);

    public CompileOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (one per processor) or positive, got " + threads);
        }
        shapeBindings = Map.copyOf(shapeBindings);
        dumpAfter = Set.copyOf(dumpAfter);
    }

    /**
     * The defaults as the command line and the api start from them: {@code -Djitflow.exact=true},
     * {@code -Djitflow.threads=N}, {@code -Djitflow.dumpAfter=stage,...|all} and
     * {@code -Djitflow.verify=true} override {@link #DEFAULTS}.
     */
    public static CompileOptions fromSystemProperties() {
        int threads = Integer.getInteger("jitflow.threads", 0);
        return DEFAULTS.withExact(Boolean.getBoolean("jitflow.exact")).withThreads(Math.max(0, threads))
                .withDumpAfter(names(System.getProperty("jitflow.dumpAfter", "")), System.err)
                .withVerify(Boolean.getBoolean("jitflow.verify"));
    }

    public CompileOptions withDevice(Device device) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withExact(boolean exact) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withVectorize(boolean vectorize) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withThreads(int threads) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withShapeBindings(Map<String, Integer> shapeBindings) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withDumpAfter(Set<String> dumpAfter, PrintStream dumps) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    public CompileOptions withVerify(boolean verify) {
        return new CompileOptions(device, exact, vectorize, threads, shapeBindings, dumpAfter, dumps, verify);
    }

    /** Whether the stage named {@code stage} is dumped. */
    boolean dumps(String stage) {
        return dumpAfter.contains(stage) || dumpAfter.contains("all");
    }

    private static Set<String> names(String list) {
        Set<String> names = new LinkedHashSet<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                names.add(s.strip());
            }
        }
        return names;
    }
}
