package io.jitflow;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns Java functions over tensors into compiled functions, as tf.function does:
 * <pre>{@code
 * JitFunction f = Jit.function((Tensor x) -> x.square().add(1.0));
 * Tensor y = f.call(constant(new double[] {1, 2}));   // traced, optimized and compiled once
 * }</pre>
 * The function is traced once per input signature (dtype and shape of each argument), or once in
 * all for a declared signature with unknown dims. Java code in the function runs only while it is
 * traced: a {@code System.out.println} inside prints once per trace, not once per call.
 */
public final class Jit {
    private Jit() {
    }

    /** A function of the argument list to its result list. */
    @FunctionalInterface
    public interface TensorFunction {
        List<Tensor> apply(List<Tensor> args);
    }

    public static JitFunction function(Function<Tensor, Tensor> f) {
        return new JitFunction("function", args -> List.of(f.apply(args.get(0))), 1, null);
    }

    public static JitFunction function(BiFunction<Tensor, Tensor, Tensor> f) {
        return new JitFunction("function", args -> List.of(f.apply(args.get(0), args.get(1))), 2, null);
    }

    /** A function of any number of arguments and results. */
    public static JitFunction function(String name, TensorFunction f) {
        return new JitFunction(name, f, -1, null);
    }

    /** A function traced once for the declared signature; calls must match it. */
    public static JitFunction function(String name, TensorFunction f, TensorSpec... signature) {
        return new JitFunction(name, f, signature.length, List.of(signature));
    }

    /**
     * As {@link #function(String, TensorFunction, TensorSpec...)}, with names for the inputs and
     * results in the traced graph (what an exported graph file calls them).
     */
    public static JitFunction function(String name, List<String> inputNames, List<String> outputNames, TensorFunction f,
                                       TensorSpec... signature) {
        return new JitFunction(name, f, signature.length, List.of(signature)).withNames(inputNames, outputNames);
    }

    /**
     * Reads a graph file (see {@link io.jitflow.text.GraphFiles}) and compiles its functions, so that
     * they can be called by name without the Java code that defined them.
     */
    public static CompiledGraph load(java.nio.file.Path file) throws java.io.IOException {
        return load(file, io.jitflow.runtime.Device.cpu());
    }

    /** As {@link #load(java.nio.file.Path)}, compiled for {@code device}, where its functions then run. */
    public static CompiledGraph load(java.nio.file.Path file, io.jitflow.runtime.Device device) throws java.io.IOException {
        return compile(io.jitflow.text.GraphFiles.read(file), device);
    }

    /** Compiles every function of a graph for {@code device}; its variables start at their initial values. */
    public static CompiledGraph compile(io.jitflow.ir.Graph graph, io.jitflow.runtime.Device device) {
        return compile(graph, Executables.OPTIONS.withDevice(device));
    }

    /**
     * As {@link #compile(io.jitflow.ir.Graph, io.jitflow.runtime.Device)}, with every compile option
     * given (device, exact mode, threads, shape bindings, dumps) instead of the defaults.
     */
    public static CompiledGraph compile(io.jitflow.ir.Graph graph, io.jitflow.compiler.CompileOptions options) {
        return new CompiledGraph(graph, new io.jitflow.compiler.CompilerDriver(options));
    }
}
