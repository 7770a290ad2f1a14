package io.jitflow.cli;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.passes.PassManager;
import io.jitflow.passes.fusion.KernelLowering;
import io.jitflow.runtime.ProgramExecutable;

/** The compiler pipeline as the command line drives it: passes, fusion, code generation. */
final class Pipeline {
    private Pipeline() {
    }

    static Graph optimize(Graph graph, PassManager passes) {
        return passes.run(graph);
    }

    static KernelProgram lower(Graph optimized, String function) {
        Function f = optimized.function(function).orElseThrow();
        return KernelLowering.lower(f, optimized.inferenceContext());
    }

    static ProgramExecutable compile(Graph graph, String function) {
        KernelProgram program = lower(optimize(graph, PassManager.defaultPipeline()), function);
        return new ProgramExecutable(program, CpuCompiler.compile(program));
    }
}
