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
        Graph optimized = optimize(graph);
        long optimizeNanos = System.nanoTime() - start;
        KernelProgram program = lower(optimized, function);
        return new Compiled(optimized, program, executable(program), optimizeNanos);
    }

    /** Generates and loads the program's code. */
    static Executable executable(KernelProgram program) {
        return new ProgramExecutable(program, CpuCompiler.compile(program))::run;
    }

    /** The default pass pipeline, dumping after the passes {@code -Djitflow.dumpAfter} names. */
    static Graph optimize(Graph graph) {
        PassManager passes = PassManager.defaultPipeline();
        if (!System.getProperty("jitflow.dumpAfter", "").isBlank()) {
            passes.dumpAfter(java.util.Set.of(System.getProperty("jitflow.dumpAfter").split(",")),
                    (pass, f) -> System.err.print("// after " + pass + "\n" + GraphPrinter.print(f)));
        }
        return passes.run(graph);
    }

    /** Fuses an optimized graph's function into a kernel program. */
    static KernelProgram lower(Graph optimized, String function) {
        return KernelLowering.lower(optimized.function(function).orElseThrow(
                () -> new io.jitflow.ir.IrException("the graph has no function @" + function)), optimized.inferenceContext());
    }
}
