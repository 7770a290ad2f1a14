package io.jitflow;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.runtime.Device;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compiled function (see {@link Jit}): one traced, optimized and compiled graph per input
 * signature, kept for later calls. Calls are thread-safe: each reads one consistent snapshot of its
 * variables, and the assignments of a call take effect together when it returns; calls that assign
 * variables run one at a time (see {@link Variable} for the whole model).
 */
public final class JitFunction {
    private static final System.Logger LOG = System.getLogger(JitFunction.class.getName());
    /** More traces than this of one function get a warning that suggests an unknown dim. */
    static final int RETRACE_WARNING_THRESHOLD = 5;
    /** {@code -Djitflow.logCompile=true} prints each trace's trace, optimization and code generation times. */
    private static final boolean LOG_COMPILE = Boolean.getBoolean("jitflow.logCompile");

    /**
     * One signature's graph, compiled for each device it has run on, called with arguments named
     * {@code argNames}. An assigning call runs over {@code store}, reused from call to call under the
     * commit lock, with {@code variables} listed in {@code graphNames} and {@code handles} by index,
     * so that a training step's call allocates next to nothing.
     */
    private record Traced(Graph traced, Graph optimized, io.jitflow.ir.kernel.KernelProgram program,
                          Map<Device, Executables.InOrder> executables, Map<String, Variable> variables, boolean assigns,
                          List<String> argNames, String[] graphNames, Variable[] handles, VariableStore store) {
        Traced {
            graphNames = variables.keySet().toArray(String[]::new);
            handles = variables.values().toArray(Variable[]::new);
            store = new VariableStore();
        }

        Traced(Graph traced, Graph optimized, io.jitflow.ir.kernel.KernelProgram program, Map<String, Variable> variables,
               boolean assigns, List<String> argNames) {
            this(traced, optimized, program, new ConcurrentHashMap<>(), variables, assigns, argNames, null, null, null);
        }
    }

    /** A signature's arguments' types and its trace: the last one called, checked first. */
    private record LastCall(List<TensorType> key, Traced traced) {
    }

    private final String name;
    /** What errors about a call name: the function. */
    private final String what;
    private final Jit.TensorFunction body;
    private final int arity;
    private final List<TensorSpec> signature;
    private final Map<List<TensorType>, Traced> cache = new ConcurrentHashMap<>();
    private volatile LastCall lastCall;
    private final List<List<TensorType>> traceHistory = new ArrayList<>();
    private volatile String lastRetraceReason;
    private boolean warned;
    private List<String> inputNames;
    private List<String> outputNames;

    JitFunction(String name, Jit.TensorFunction body, int arity, List<TensorSpec> signature) {
        this.name = name;
        this.what = "function '" + name + "'";
        this.body = body;
        this.arity = arity;
        this.signature = signature;
    }

    JitFunction withNames(List<String> inputs, List<String> outputs) {
        if (inputs.size() != arity) {
            throw new IllegalArgumentException("function '" + name + "' takes " + arity + " inputs, got "
                    + inputs.size() + " names");
        }
        this.inputNames = List.copyOf(inputs);
        this.outputNames = List.copyOf(outputs);
        return this;
    }

    private String inputName(int i) {
        return inputNames == null ? "arg" + i : inputNames.get(i);
    }

    /** Calls the function; it must have exactly one result. */
    public Tensor call(Tensor... args) {
        List<Tensor> results = callAll(args);
        if (results.size() != 1) {
            throw new IllegalStateException("function '" + name + "' has " + results.size() + " results; use callAll");
        }
        return results.get(0);
    }

    public List<Tensor> callAll(Tensor... args) {
        if (ExecutionContext.current() instanceof TracingContext) {
            return body.apply(List.of(args));
        }
        Traced t = traced(args);
        Executables.InOrder executable = executable(t, Executables.placement(what, java.util.Arrays.asList(args)));
        if (!t.assigns()) {
            return executable.run(args, snapshot(t));
        }
        // A call that assigns holds the commit lock from its snapshot to its commit, so no other
        // write (compiled or eager) comes in between and none is lost.
        Variable.COMMIT.lock();
        try {
            VariableStore store = t.store();
            for (int i = 0; i < t.handles().length; i++) {
                Variable v = t.handles()[i];
                store.set(t.graphNames()[i], v.valueForUpdate());
                Object spare = v.takeSpare();
                if (spare != null) {
                    store.offerSpare(t.graphNames()[i], spare);
                }
            }
            List<Tensor> outputs = executable.run(args, store);
            handOutReturnedValues(t, outputs);
            for (int i = 0; i < t.handles().length; i++) {
                Variable v = t.handles()[i];
                HostTensor after = store.get(t.graphNames()[i]);
                if (after != v.valueForUpdate()) {
                    v.commit(after, store.isFresh(t.graphNames()[i]));
                }
                // A spare the run did not write into (a variable it only reads) stays the variable's.
                Object unused = store.takeSpare(t.graphNames()[i]);
                if (unused != null) {
                    v.keepSpare(unused);
                }
            }
            return outputs;
        } finally {
            Variable.COMMIT.unlock();
        }
    }

    /** A variable's value that a call returns as it is (its storage) is handed out to the caller. */
    private static void handOutReturnedValues(Traced t, List<Tensor> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            HostTensor returned = outputs.get(i).hostValueIfPresent();
            if (returned == null) {
                continue;
            }
            for (Variable v : t.handles()) {
                HostTensor value = v.valueForUpdate();
                if (value.isFetched() && value.storage() == returned.storage()) {
                    v.current();
                }
            }
        }
    }

    /**
     * Runs the Java function op by op in the current context instead of compiling it (TensorFlow's
     * {@code run_functions_eagerly}, for debugging: breakpoints and prints inside it work, every
     * value is concrete). Results equal the compiled ones within rounding; assignments take effect
     * at once rather than when the call returns.
     */
    public List<Tensor> callEagerly(Tensor... args) {
        if (arity >= 0 && args.length != arity) {
            throw new IllegalArgumentException("function '" + name + "' takes " + arity + " arguments, got "
                    + args.length);
        }
        return new ArrayList<>(body.apply(List.of(args)));
    }

    /** The values of the variables a call reads, all taken at one moment (no commit in between). */
    private static VariableStore snapshot(Traced t) {
        VariableStore store = new VariableStore();
        Variable.COMMIT.lock();
        try {
            for (int i = 0; i < t.handles().length; i++) {
                store.set(t.graphNames()[i], t.handles()[i].current());
            }
        } finally {
            Variable.COMMIT.unlock();
        }
        return store;
    }

    /**
     * Traces, optimizes and generates code for these arguments' signature on their device, without
     * running it (TensorFlow's {@code get_concrete_function}), so a later call starts at once.
     */
    public JitFunction compile(Tensor... args) {
        executable(traced(args), Executables.placement(what, List.of(args)));
        return this;
    }

    /** How many times the function has been traced. */
    public int traceCount() {
        synchronized (traceHistory) {
            return traceHistory.size();
        }
    }

    /** Why the last trace after the first happened (which argument changed, and how), or null. */
    public String lastRetraceReason() {
        return lastRetraceReason;
    }

    /** The graph traced for these arguments, before optimization. */
    public Graph tracedGraph(Tensor... args) {
        return traced(args).traced();
    }

    /** The graph these arguments run, after optimization. */
    public Graph optimizedGraph(Tensor... args) {
        return traced(args).optimized();
    }

    /** The kernel program these arguments run: which graph nodes each generated loop computes. */
    public String kernelsText(Tensor... args) {
        return traced(args).program().toString();
    }

    /** The number of kernels these arguments run. */
    public int kernelCount(Tensor... args) {
        return traced(args).program().kernels().size();
    }

    /**
     * Writes the traced graph for these arguments (with the variables' current values) as a graph
     * file; a {@code .onnx} path writes an ONNX model when the onnx module is on the class path.
     */
    public void writeGraph(java.nio.file.Path file, Tensor... args) throws java.io.IOException {
        io.jitflow.text.GraphFiles.write(export(List.of(traced(args))), file);
    }

    /**
     * Writes the function traced for {@code args} as an ONNX model, its variables as initializers
     * holding their current values: {@link #writeGraph(java.nio.file.Path, Tensor...)} to a
     * {@code .onnx} file, which needs the onnx module on the class path.
     */
    public void writeOnnx(java.nio.file.Path file, Tensor... args) throws java.io.IOException {
        if (!file.getFileName().toString().endsWith(".onnx")) {
            throw new IllegalArgumentException("writeOnnx: '" + file + "' must end in .onnx");
        }
        writeGraph(file, args);
    }

    /**
     * Writes every signature traced so far to one graph file (atomically, with a weights sidecar when
     * needed): function {@code NAME} for the first signature, {@code NAME_1}, {@code NAME_2}, ... for
     * the others, and the variables they use with their current values.
     */
    public void writeGraph(java.nio.file.Path file) throws java.io.IOException {
        List<Traced> all = new ArrayList<>();
        synchronized (traceHistory) {
            traceHistory.forEach(key -> all.add(cache.get(key)));
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("function '" + name + "' has not been traced yet: call it first, or pass "
                    + "example arguments to writeGraph");
        }
        io.jitflow.text.GraphFiles.write(export(all), file);
    }

    private Graph export(List<Traced> traces) {
        Map<String, io.jitflow.ir.Variable> variables = new LinkedHashMap<>();
        List<io.jitflow.ir.Function> functions = new ArrayList<>();
        for (Traced t : traces) {
            io.jitflow.ir.Function f = t.traced().functions().get(0);
            String exported = functions.isEmpty() ? f.name() : f.name() + "_" + functions.size();
            functions.add(new io.jitflow.ir.Function(exported, f.inputs(), f.nodes(), f.outputs()));
            for (io.jitflow.ir.Variable v : t.traced().variables()) {
                variables.putIfAbsent(v.name(), new io.jitflow.ir.Variable(v.name(), v.type(),
                        t.variables().get(v.name()).current(), v.trainable()));
            }
        }
        return Graph.of(List.copyOf(variables.values()), functions);
    }

    /** Both graphs in the text format, for reading what the compiler did. */
    public String graphText(Tensor... args) {
        Traced t = traced(args);
        return "# traced\n" + GraphPrinter.print(t.traced()) + "\n# optimized\n" + GraphPrinter.print(t.optimized());
    }

    private Traced traced(Tensor[] args) {
        LastCall last = lastCall;
        if (last != null && hasSignature(args, last.key())) {
            return last.traced();
        }
        if (arity >= 0 && args.length != arity) {
            throw new IllegalArgumentException("function '" + name + "' takes " + arity + " argument(s), got " + args.length);
        }
        List<TensorType> key = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            TensorType type = args[i].type();
            if (signature != null) {
                if (!signature.get(i).accepts(type)) {
                    throw new IllegalArgumentException("function '" + name + "': argument " + i + " is " + type
                            + ", which does not match its declared " + signature.get(i));
                }
                type = signature.get(i).typeFor(i);
            }
            key.add(type);
        }
        List<TensorType> signatureKey = List.copyOf(key);
        Traced t = cache.computeIfAbsent(signatureKey, this::trace);
        lastCall = new LastCall(signatureKey, t);
        return t;
    }

    /** Whether {@code args} are of the signature traced as {@code key} (that the declared specs accept, where given). */
    private boolean hasSignature(Tensor[] args, List<TensorType> key) {
        if (args.length != key.size()) {
            return false;
        }
        for (int i = 0; i < args.length; i++) {
            TensorType type = args[i].type();
            if (signature != null ? !signature.get(i).accepts(type) : !key.get(i).equals(type)) {
                return false;
            }
        }
        return true;
    }

    private Traced trace(List<TensorType> key) {
        noteRetrace(key);
        long start = System.nanoTime();
        TracingContext context = new TracingContext(name);
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < key.size(); i++) {
            inputs.add(context.input(inputName(i), key.get(i)));
        }
        List<Tensor> outputs;
        try (ExecutionContext.Scope scope = ExecutionContext.enter(context)) {
            outputs = body.apply(inputs);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            names.add(outputNames != null && i < outputNames.size() ? outputNames.get(i)
                    : outputs.size() == 1 ? "output" : "output_" + i);
        }
        Graph graph = context.finish(outputs, names);
        long traced = System.nanoTime();
        Executables.Lowered compiled = Executables.lower(graph);
        long done = System.nanoTime();
        logCompile(String.format("function '%s' %s: trace %.1f ms, optimize %.1f ms, fusion %.1f ms", name, key,
                (traced - start) / 1e6, compiled.optimizeNanos() / 1e6, (done - traced - compiled.optimizeNanos()) / 1e6));
        boolean assigns = graph.functions().get(0).nodes().stream().anyMatch(n -> n.op() == Op.ASSIGN_VARIABLE);
        List<String> argNames = java.util.stream.IntStream.range(0, key.size()).mapToObj(this::inputName).toList();
        return new Traced(graph, compiled.optimized(), compiled.program(), Map.copyOf(context.capturedVariables()),
                assigns, argNames);
    }

    /** A traced signature's code for {@code device}, generated and loaded on its first call there. */
    private Executables.InOrder executable(Traced t, Device device) {
        Executables.InOrder loaded = t.executables().get(device);
        return loaded != null ? loaded : t.executables().computeIfAbsent(device, d -> {
            long start = System.nanoTime();
            Executables.InOrder code = Executables.load(t.program(), d).inOrder(t.argNames());
            logCompile(String.format("function '%s' %s: code generation and loading for %s %.1f ms", name,
                    t.program().inputs().values().stream().map(b -> b.type()).toList(), d, (System.nanoTime() - start) / 1e6));
            return code;
        });
    }

    private static void logCompile(String timing) {
        if (LOG_COMPILE) {
            System.err.println("jitflow: " + timing);
        }
        LOG.log(System.Logger.Level.DEBUG, timing);
    }

    /** Records a trace; explains it when it is a retrace, and warns when retraces keep happening. */
    private void noteRetrace(List<TensorType> key) {
        synchronized (traceHistory) {
            if (!traceHistory.isEmpty()) {
                List<TensorType> previous = traceHistory.get(traceHistory.size() - 1);
                lastRetraceReason = RetraceReason.explain(previous, key);
                if (traceHistory.size() + 1 > RETRACE_WARNING_THRESHOLD && !warned) {
                    warned = true;
                    LOG.log(System.Logger.Level.WARNING, "function '" + name + "' has been traced "
                            + (traceHistory.size() + 1) + " times; " + lastRetraceReason + ". "
                            + RetraceReason.suggestion(traceHistory, key));
                }
            }
            traceHistory.add(key);
        }
    }
}
