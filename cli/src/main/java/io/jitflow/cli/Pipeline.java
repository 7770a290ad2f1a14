package io.jitflow.cli;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.passes.PassManager;
import io.jitflow.passes.fusion.KernelLowering;

/** The compiler pipeline as the command line drives it: passes, fusion, code generation. */
final class Pipeline {
    private Pipeline() {
    }

    /** The graph specialized to {@code bindings} ({@code --bind batch=32,...}), or itself when there are none. */
    static Graph specialize(Graph graph, String bindings) throws UsageException {
        if (bindings == null) {
            return graph;
        }
        try {
            return new PassManager(java.util.List.of(new io.jitflow.passes.SpecializeShapes(
                    io.jitflow.passes.SpecializeShapes.parse(bindings)))).run(graph);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--bind: " + e.getMessage());
        }
    }

    static Graph optimize(Graph graph, PassManager passes) {
        return passes.run(graph);
    }

    static KernelProgram lower(Graph optimized, String function) {
        Function f = optimized.function(function).orElseThrow();
        return KernelLowering.lower(f, optimized.inferenceContext());
    }
}
