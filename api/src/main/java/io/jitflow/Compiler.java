package io.jitflow;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.passes.PassManager;
import io.jitflow.passes.fusion.KernelLowering;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.text.GraphPrinter;
import java.util.Map;

/** From a traced graph to compiled code: the pass pipeline, fusion into kernels, JVM bytecode. */
final class Compiler {
    private Compiler() {
    }

    /** Runs a compiled graph's single function. */
    @FunctionalInterface
    interface Executable {
        Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables);
    }

    record Compiled(Graph optimized, KernelProgram program, Executable executable, long optimizeNanos) {
    }

    static Compiled compile(Graph graph) {
        return compile(graph, graph.functions().get(0).name());
    }

    /** Optimizes the graph and compiles function {@code function} of it. */
    static Compiled compile(Graph graph, String function) {
        long start = System.nanoTime();
        PassManager passes = PassManager.defaultPipeline();
        if (!System.getProperty("jitflow.dumpAfter", "").isBlank()) {
            passes.dumpAfter(java.util.Set.of(System.getProperty("jitflow.dumpAfter").split(",")),
                    (pass, f) -> System.err.print("// after " + pass + "\n" + GraphPrinter.print(f)));
        }
        Graph optimized = passes.run(graph);
        long optimizeNanos = System.nanoTime() - start;
        KernelProgram program = KernelLowering.lower(optimized.function(function).orElseThrow(
                () -> new io.jitflow.ir.IrException("the graph has no function @" + function)), optimized.inferenceContext());
        ProgramExecutable executable = new ProgramExecutable(program, CpuCompiler.compile(program));
        return new Compiled(optimized, program, executable::run, optimizeNanos);
    }
}
