package io.jitflow.runtime;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a compiled kernel program: checks the inputs, binds symbolic dims from their shapes,
 * allocates the other buffers, runs the generated code and hands back outputs and assigned
 * variables. Input arrays are used in place (kernels never write them); outputs are wrapped
 * without copying. Temporaries that do not escape a run (as an output, an assigned variable or a
 * view of one) are kept per thread and reused by the next run of the same sizes, since every
 * kernel writes all of its output. Thread-safe: each thread runs with its own temporaries.
 *
 * <p>A variable's new value that no output or other variable shares is {@linkplain
 * VariableStore#setFresh set fresh}, and is written into the spare array the caller offers for that
 * variable, if any, instead of a new one: a training step then updates its weights without
 * allocating.
 */
public final class ProgramExecutable implements Executable {
    private final KernelProgram program;
    /** The program's symbolic dims, in the order of the sizes array: computed once. */
    private final List<String> symbols;
    private final CompiledProgram code;
    /** Per buffer: reusable across runs (a temporary that never escapes). */
    private final boolean[] reusable;
    /** Per buffer: its static element count, or -1 when it depends on symbolic dims. */
    private final int[] staticCounts;
    /** Per buffer: its static sizes, or null when it has symbolic dims. */
    private final int[][] staticSizes;
    private final ThreadLocal<Object[]> temporaries;
    /** The most threads one run's kernels use; 0 for one per processor. */
    private final int threads;
    /** The inputs', variables' and outputs' names and buffers, in order, for runs without iterators. */
    private final String[] inputNames;
    private final Buffer[] inputBuffers;
    private final String[] readNames;
    private final Buffer[] readBuffers;
    private final String[] outputNames;
    private final Buffer[] outputBuffers;
    private final String[] writeNames;
    private final Buffer[] writeBuffers;
    /** Per buffer id: the variable whose fresh new value this buffer holds, or null. */
    private final String[] freshWriteOf;

    public ProgramExecutable(KernelProgram program, CompiledProgram code) {
        this(program, code, 0);
    }

    /** As above, each run's kernels using at most {@code threads} threads (0: one per processor). */
    public ProgramExecutable(KernelProgram program, CompiledProgram code, int threads) {
        this.program = program;
        this.symbols = program.symbols();
        this.code = code;
        this.threads = threads;
        int n = program.buffers().size();
        this.reusable = reusableTemporaries(program);
        this.staticCounts = new int[n];
        this.staticSizes = new int[n][];
        for (Buffer b : program.buffers()) {
            Shape shape = b.type().shape();
            staticSizes[b.id()] = shape.isStatic() ? shape.sizes() : null;
            staticCounts[b.id()] = shape.isStatic() ? Shape.checkedElementCount(staticSizes[b.id()]) : -1;
        }
        this.temporaries = ThreadLocal.withInitial(() -> new Object[n]);
        this.inputNames = program.inputs().keySet().toArray(String[]::new);
        this.inputBuffers = program.inputs().values().toArray(Buffer[]::new);
        this.readNames = program.variableReads().keySet().toArray(String[]::new);
        this.readBuffers = program.variableReads().values().toArray(Buffer[]::new);
        this.outputNames = program.outputs().keySet().toArray(String[]::new);
        this.outputBuffers = program.outputs().values().toArray(Buffer[]::new);
        this.writeNames = program.variableWrites().keySet().toArray(String[]::new);
        this.writeBuffers = program.variableWrites().values().toArray(Buffer[]::new);
        this.freshWriteOf = freshWrites(program);
    }

    /**
     * Per buffer id, the variable whose new value it stores when that storage belongs to the value
     * alone: allocated by the run (every write is) and shared with no output and no other write.
     */
    private static String[] freshWrites(KernelProgram program) {
        Map<Buffer, Integer> uses = new java.util.HashMap<>();
        program.outputs().values().forEach(b -> uses.merge(b.storage(), 2, Integer::sum));
        program.variableWrites().values().forEach(b -> uses.merge(b.storage(), 1, Integer::sum));
        String[] freshWriteOf = new String[program.buffers().size()];
        program.variableWrites().forEach((name, b) -> {
            if (uses.get(b.storage()) == 1) {
                freshWriteOf[b.storage().id()] = name;
            }
        });
        return freshWriteOf;
    }

    /**
     * Per buffer id: whether it is a temporary that never escapes a run (as an output, an assigned
     * variable or the storage of a view of one), so that a backend may reuse it in the next run.
     */
    public static boolean[] reusableTemporaries(KernelProgram program) {
        java.util.Set<Buffer> escaping = program.escapingStorage();
        boolean[] reusable = new boolean[program.buffers().size()];
        for (Buffer b : program.buffers()) {
            reusable[b.id()] = b.kind() == Buffer.Kind.TEMP && !escaping.contains(b);
        }
        return reusable;
    }

    @Override
    public KernelProgram program() {
        return program;
    }

    @Override
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables) {
        if (threads == 0) {
            return runHere(inputs, variables);
        }
        List<Map<String, HostTensor>> result = new java.util.ArrayList<>(1);
        KernelThreads.withThreads(threads, () -> result.add(runHere(inputs, variables)));
        return result.get(0);
    }

    /**
     * Runs on this thread (a loop's region, whose kernels share the loop's threads), the arrays of
     * outputs taken from {@code pool}: a loop hands back those nothing reads any more.
     */
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables, ArrayPool pool) {
        return runHere(inputs, variables, pool);
    }

    private Map<String, HostTensor> runHere(Map<String, HostTensor> inputs, VariableStore variables) {
        return runHere(inputs, variables, null);
    }

    /**
     * Whether the program has no symbolic dims and touches no variables (an eager op's), so that
     * {@link #runStatic} can run it.
     */
    public boolean isStatic() {
        return program.symbols().isEmpty() && program.variableReads().isEmpty() && program.variableWrites().isEmpty();
    }

    /**
     * Runs a {@linkplain #isStatic static} program on inputs in the order of its inputs, each of the
     * type the program declares for it (the caller compiled it for these types), and gives the
     * outputs in order: {@link #run}'s work without the maps and the binding of sizes, for the
     * one-op programs of eager calls.
     */
    public HostTensor[] runStatic(HostTensor[] inputs) {
        if (threads == 0) {
            return runStaticHere(inputs);
        }
        HostTensor[][] result = new HostTensor[1][];
        KernelThreads.withThreads(threads, () -> result[0] = runStaticHere(inputs));
        return result[0];
    }

    private HostTensor[] runStaticHere(HostTensor[] inputs) {
        Object[] arrays = new Object[program.buffers().size()];
        for (int i = 0; i < inputBuffers.length; i++) {
            arrays[inputBuffers[i].id()] = inputs[i].storage();
        }
        allocate(arrays, null, null, null);
        code.run(arrays, ShapeBindings.NO_SIZES);
        HostTensor[] outputs = new HostTensor[outputBuffers.length];
        for (int i = 0; i < outputs.length; i++) {
            Buffer b = outputBuffers[i];
            outputs[i] = HostTensor.wrap(b.type().dtype(), staticSizes[b.id()], arrays[b.id()]);
        }
        return outputs;
    }

    private Map<String, HostTensor> runHere(Map<String, HostTensor> inputs, VariableStore variables, ArrayPool pool) {
        new ShapeBindings(program, symbols).checkInputNames(inputs.keySet());
        HostTensor[] ordered = new HostTensor[inputNames.length];
        for (int i = 0; i < inputNames.length; i++) {
            ordered[i] = inputs.get(inputNames[i]);
        }
        HostTensor[] outputs = runInOrderHere(ordered, variables, pool);
        Map<String, HostTensor> named = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.length; i++) {
            named.put(outputNames[i], outputs[i]);
        }
        return named;
    }

    /**
     * {@link #run(Map, VariableStore)} with the inputs in the order of the program's inputs and the
     * outputs in the order of its outputs: the same checks and results without maps by name.
     */
    public HostTensor[] runInOrder(HostTensor[] inputs, VariableStore variables) {
        if (inputs.length != inputNames.length) {
            throw new IllegalArgumentException("function @" + program.name() + " takes " + inputNames.length
                    + " inputs, got " + inputs.length);
        }
        if (threads == 0) {
            return runInOrderHere(inputs, variables, null);
        }
        HostTensor[][] result = new HostTensor[1][];
        KernelThreads.withThreads(threads, () -> result[0] = runInOrderHere(inputs, variables, null));
        return result[0];
    }

    private HostTensor[] runInOrderHere(HostTensor[] inputs, VariableStore variables, ArrayPool pool) {
        ShapeBindings bindings = new ShapeBindings(program, symbols);
        Object[] arrays = new Object[program.buffers().size()];
        for (int i = 0; i < inputNames.length; i++) {
            Buffer b = inputBuffers[i];
            if (inputs[i] == null) {
                throw bindings.missingInput(inputNames[i], b.type());
            }
            bindings.bindInput(inputNames[i], b.type(), inputs[i]);
            arrays[b.id()] = inputs[i].storage();
        }
        for (int i = 0; i < readNames.length; i++) {
            Buffer b = readBuffers[i];
            HostTensor value = variables.get(readNames[i]);
            bindings.bindVariable(readNames[i], b.type(), value);
            arrays[b.id()] = value.storage();
        }
        int[] sizes = bindings.symbolSizes();
        allocate(arrays, bindings, pool, variables);
        code.run(arrays, sizes);
        HostTensor[] outputs = new HostTensor[outputNames.length];
        for (int i = 0; i < outputNames.length; i++) {
            outputs[i] = wrap(outputBuffers[i], arrays, bindings);
        }
        for (int i = 0; i < writeNames.length; i++) {
            Buffer b = writeBuffers[i];
            HostTensor value = wrap(b, arrays, bindings);
            if (freshWriteOf[b.storage().id()] != null) {
                variables.setFresh(writeNames[i], value);
            } else {
                variables.set(writeNames[i], value);
            }
        }
        return outputs;
    }

    /**
     * Fills in every buffer the inputs did not: constants, kept temporaries of the right size, the
     * spares {@code variables} offers for fresh new values, new arrays (from {@code pool} where
     * given), views. {@code bindings} sizes the symbolic buffers (none in a static program: null).
     */
    private void allocate(Object[] arrays, ShapeBindings bindings, ArrayPool pool, VariableStore variables) {
        Object[] kept = temporaries.get();
        for (Buffer b : program.buffers()) {
            if (arrays[b.id()] != null || b.kind() == Buffer.Kind.VIEW) {
                continue;
            }
            if (b.kind() == Buffer.Kind.CONSTANT) {
                arrays[b.id()] = b.constant().storage();
                continue;
            }
            int count = staticCounts[b.id()] >= 0 ? staticCounts[b.id()]
                    : Shape.checkedElementCount(bindings.resolve(b.type().shape()));
            Object previous = reusable[b.id()] ? kept[b.id()]
                    : freshWriteOf[b.id()] != null && variables != null ? variables.takeSpare(freshWriteOf[b.id()]) : null;
            if (previous != null && java.lang.reflect.Array.getLength(previous) == count) {
                arrays[b.id()] = previous;
            } else {
                arrays[b.id()] = pool != null && !reusable[b.id()] ? pool.take(b.type().dtype(), count)
                        : HostTensor.allocate(b.type().dtype(), count);
                if (reusable[b.id()]) {
                    kept[b.id()] = arrays[b.id()];
                }
            }
        }
        for (Buffer b : program.buffers()) {
            if (b.kind() == Buffer.Kind.VIEW) {
                arrays[b.id()] = arrays[b.viewOf().id()];
            }
        }
    }

    private HostTensor wrap(Buffer b, Object[] arrays, ShapeBindings bindings) {
        int[] sizes = staticSizes[b.id()];
        return HostTensor.wrap(b.type().dtype(), sizes != null ? sizes : bindings.resolve(b.type().shape()), arrays[b.id()]);
    }
}
