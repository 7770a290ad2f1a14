package io.jitflow.compiler;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.PtxTarget;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.aot.AotModule;
import io.jitflow.text.GraphFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline compilation: a saved graph becomes a jar of generated classes and/or PTX modules, buffer
 * layouts, constants and variable values, which {@link AotModule#load} runs with only the runtime
 * and graph-ir on the class path. Every function of the graph is compiled through the same
 * {@link Pipeline} and backends as the JIT, so results equal the JIT's under the same options.
 */
public final class AheadOfTime {
    private AheadOfTime() {
    }

    /** What a jar holds code for: JVM classes, PTX, or both. */
    public enum Target { CPU, CUDA, ALL }

    /** Compiles the graph file {@code graphFile} into {@code jar} for {@code target}. */
    public static void compile(Path graphFile, Path jar, Target target, CompileOptions options) throws IOException {
        compile(GraphFiles.read(graphFile), jar, target, options);
    }

    /**
     * Compiles every function of {@code graph} into {@code jar}, written atomically. PTX needs no GPU
     * to be generated; a kernel the CUDA backend does not support yet fails the compile by name.
     */
    public static void compile(Graph graph, Path jar, Target target, CompileOptions options) throws IOException {
        CompilerDriver compiler = new CompilerDriver(options);
        Graph optimized = compiler.optimize(graph);
        List<AotModule.CompiledFunction> functions = new ArrayList<>();
        for (Function f : graph.functions()) {
            KernelProgram program = compiler.lower(optimized, f.name());
            functions.add(compiled(program, "io.jitflow.aot.Function" + functions.size(), target, options));
        }
        AotModule.write(jar, functions, VariableStore.initialValues(graph).asMap(),
                CpuBackend.codeOptions(options).usesVectorApi());
    }

    /**
     * A program's code for the jar, under {@code className}: its class and/or PTX, and those of the
     * regions of its control-flow kernels (classes named {@code className_r0}, {@code _r1}, ... in
     * kernel order), which the runtime hands to its class as it does in the JIT.
     */
    private static AotModule.CompiledFunction compiled(KernelProgram program, String className, Target target,
                                                       CompileOptions options) {
        byte[] classFile = target == Target.CUDA ? null : CpuBackend.classFile(program, options, className);
        List<AotModule.CompiledFunction> regions = new ArrayList<>();
        for (io.jitflow.ir.kernel.Kernel.Control c : program.controlKernels()) {
            for (KernelProgram region : c.regions()) {
                regions.add(compiled(region, className + "_r" + regions.size(), target, options));
            }
        }
        return new AotModule.CompiledFunction(program, className, classFile,
                target == Target.CPU ? null : PtxGenerator.module(program, PtxTarget.DEFAULT, options.exact()),
                regions);
    }
}
