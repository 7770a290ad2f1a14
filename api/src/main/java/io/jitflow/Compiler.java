package io.jitflow;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.passes.PassManager;
import io.jitflow.text.GraphPrinter;
import java.util.Map;

/**
 * From a traced graph to something that runs. Execution is by the reference interpreter until the
 * bytecode backend lands (see the README's status); the optimized graph is what will be compiled.
 */
final class Compiler {
    private Compiler() {
    }

    /** Runs a compiled graph's single function. */
    @FunctionalInterface
    interface Executable {
        Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables);
    }

    record Compiled(Graph optimized, Executable executable, long optimizeNanos) {
    }

    static Compiled compile(Graph graph) {
        long start = System.nanoTime();
        PassManager passes = PassManager.defaultPipeline();
        if (!System.getProperty("jitflow.dumpAfter", "").isBlank()) {
            passes.dumpAfter(java.util.Set.of(System.getProperty("jitflow.dumpAfter").split(",")),
                    f -> System.err.print(GraphPrinter.print(f)));
        }
        Graph optimized = passes.run(graph);
        long optimizeNanos = System.nanoTime() - start;
        io.jitflow.ir.Function f = optimized.functions().get(0);
        return new Compiled(optimized, (inputs, variables) -> Interpreter.run(f, inputs, variables), optimizeNanos);
    }
}
