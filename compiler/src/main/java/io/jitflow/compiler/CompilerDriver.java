package io.jitflow.compiler;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Executable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one compiler driver: a graph through the {@link Pipeline} to kernel programs, and each
 * through the {@link Backend} of the options' device to an executable. Traced functions, eager
 * ops, loaded graph files, ahead-of-time jars and every command of the CLI compile through it.
 */
public final class CompilerDriver {
    private final CompileOptions options;
    private final Pipeline pipeline;

    public CompilerDriver(CompileOptions options) {
        this(options, Pipeline.standard(options));
    }

    public CompilerDriver(CompileOptions options, Pipeline pipeline) {
        this.options = options;
        this.pipeline = pipeline;
    }

    public CompileOptions options() {
        return options;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    /** The graph stages over every function. */
    public Graph optimize(Graph graph) {
        return pipeline.optimize(graph);
    }

    /** Function {@code name} of an optimized graph as a kernel program. */
    public KernelProgram lower(Graph optimized, String name) {
        return pipeline.lower(optimized, name);
    }

    /** A function as a kernel program, without graph passes (an eager op's one-node function). */
    public KernelProgram lower(Function function, InferenceContext context) {
        return pipeline.lower(function, context);
    }

    /** The program's code for the options' device, generated and loaded. */
    public Executable load(KernelProgram program) {
        return Backend.of(options.device()).compile(program, options);
    }

    /** Every function of {@code graph}, by name: the passes run once over the graph, then each function is lowered and loaded. */
    public Map<String, Executable> compile(Graph graph) {
        Graph optimized = optimize(graph);
        Map<String, Executable> functions = new LinkedHashMap<>();
        for (Function f : graph.functions()) {
            functions.put(f.name(), load(lower(optimized, f.name())));
        }
        return functions;
    }
}
