package io.jitflow.runtime;

import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.Arrays;
import java.util.HashMap;
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
 */
public final class ProgramExecutable {
    private final KernelProgram program;
    private final CompiledProgram code;
    private final List<String> symbols;
    /** Per buffer: reusable across runs (a temporary that never escapes). */
    private final boolean[] reusable;
    /** Per buffer: its static element count, or -1 when it depends on symbolic dims. */
    private final int[] staticCounts;
    private final ThreadLocal<Object[]> temporaries;

    public ProgramExecutable(KernelProgram program, CompiledProgram code) {
        this.program = program;
        this.code = code;
        this.symbols = program.symbols();
        int n = program.buffers().size();
        this.reusable = new boolean[n];
        this.staticCounts = new int[n];
        java.util.Set<Buffer> escaping = new java.util.HashSet<>(program.outputs().values());
        escaping.addAll(program.variableWrites().values());
        for (Buffer b : program.buffers()) {
            if (b.kind() == Buffer.Kind.VIEW && escaping.contains(b)) {
                escaping.add(b.viewOf());
            }
        }
        for (Buffer b : program.buffers()) {
            reusable[b.id()] = b.kind() == Buffer.Kind.TEMP && !escaping.contains(b);
            staticCounts[b.id()] = b.type().shape().isStatic() ? Shape.checkedElementCount(b.type().shape().sizes()) : -1;
        }
        this.temporaries = ThreadLocal.withInitial(() -> new Object[n]);
    }

    public KernelProgram program() {
        return program;
    }

    /** Runs with {@code inputs} by name; reads and assigns variables in {@code variables}. */
    public Map<String, HostTensor> run(Map<String, HostTensor> inputs, VariableStore variables) {
        for (String given : inputs.keySet()) {
            if (!program.inputs().containsKey(given)) {
                throw new IrException("function @" + program.name() + " has no input '" + given + "' (inputs: "
                        + String.join(", ", program.inputs().keySet()) + ")");
            }
        }
        Map<String, Integer> bindings = new HashMap<>();
        Object[] arrays = new Object[program.buffers().size()];
        program.inputs().forEach((name, b) -> {
            HostTensor value = inputs.get(name);
            if (value == null) {
                throw new IrException("function @" + program.name() + ": missing input '" + name + "' of type " + b.type());
            }
            bind(b.type(), value, "input '" + name + "'", bindings);
            arrays[b.id()] = value.storage();
        });
        program.variableReads().forEach((name, b) -> {
            HostTensor value = variables.get(name);
            bind(b.type(), value, "variable @" + name, bindings);
            arrays[b.id()] = value.storage();
        });
        int[] sizes = new int[symbols.size()];
        for (int i = 0; i < sizes.length; i++) {
            Integer size = bindings.get(symbols.get(i));
            if (size == null) {
                throw new IrException("function @" + program.name() + ": no input binds dim " + symbols.get(i));
            }
            sizes[i] = size;
        }
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
                    : Shape.checkedElementCount(resolve(b.type().shape(), bindings));
            Object previous = reusable[b.id()] ? kept[b.id()] : null;
            if (previous != null && java.lang.reflect.Array.getLength(previous) == count) {
                arrays[b.id()] = previous;
            } else {
                arrays[b.id()] = allocate(b.type().dtype(), count);
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
        code.run(arrays, sizes);
        Map<String, HostTensor> outputs = new LinkedHashMap<>();
        program.outputs().forEach((name, b) -> outputs.put(name, wrap(b, arrays, bindings)));
        program.variableWrites().forEach((name, b) -> variables.set(name, wrap(b, arrays, bindings)));
        return outputs;
    }

    private HostTensor wrap(Buffer b, Object[] arrays, Map<String, Integer> bindings) {
        return HostTensor.wrap(b.type().dtype(), resolve(b.type().shape(), bindings), arrays[b.id()]);
    }

    private static int[] resolve(Shape shape, Map<String, Integer> bindings) {
        return shape.bind(bindings).sizes();
    }

    private static Object allocate(io.jitflow.ir.DType dtype, int count) {
        return HostTensor.zeros(dtype, count).storage();
    }

    /** Checks a value against its declared type, binding symbolic dims on first sight. */
    private void bind(TensorType type, HostTensor value, String what, Map<String, Integer> bindings) {
        if (value.dtype() != type.dtype()) {
            throw new IrException("function @" + program.name() + ": " + what + " has dtype " + value.dtype()
                    + ", expected " + type.dtype());
        }
        if (value.rank() != type.rank()) {
            throw new IrException("function @" + program.name() + ": " + what + " has shape "
                    + Arrays.toString(value.shape()) + ", expected " + type.shape());
        }
        for (int d = 0; d < type.rank(); d++) {
            Dim dim = type.shape().dim(d);
            int actual = value.dim(d);
            if (dim.isStatic() ? dim.size() != actual : bindings.putIfAbsent(dim.toString(), actual) != null
                    && bindings.get(dim.toString()) != actual) {
                throw new IrException("function @" + program.name() + ": " + what + " has shape "
                        + Arrays.toString(value.shape()) + ", expected " + type.shape()
                        + (dim.isStatic() ? "" : " with " + dim + " = " + bindings.get(dim.toString())));
            }
        }
    }
}
