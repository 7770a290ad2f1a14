package io.jitflow.runtime;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks every backend makes before running a program: each value given for an input or a
 * variable against its declared type, with the program's symbolic dims bound on first sight and
 * checked on every later one.
 */
public final class ShapeBindings {
    private final KernelProgram program;
    private final List<String> symbols;
    /** The sizes bound to symbolic dims so far; made on the first (a static program has none). */
    private Map<String, Integer> sizes = Map.of();

    /** Bindings for a run of {@code program}; {@code symbols} is its {@link KernelProgram#symbols()}, which callers keep. */
    public ShapeBindings(KernelProgram program, List<String> symbols) {
        this.program = program;
        this.symbols = symbols;
    }

    /** Refuses names that are not inputs of the program. */
    public void checkInputNames(Collection<String> given) {
        for (String name : given) {
            if (!program.inputs().containsKey(name)) {
                throw new IrException("function @" + program.name() + " has no input '" + name + "' (inputs: "
                        + String.join(", ", program.inputs().keySet()) + ")");
            }
        }
    }

    /** The error for an input the caller left out. */
    public IrException missingInput(String name, TensorType type) {
        return new IrException("function @" + program.name() + ": missing input '" + name + "' of type " + type);
    }

    /** Checks the value given for input {@code name} against its {@code type}, binding its symbolic dims. */
    public void bindInput(String name, TensorType type, DType dtype, int[] shape) {
        bind(type, dtype, shape, "input '", name, "'");
    }

    /** Checks the value of variable {@code name} against its {@code type}, binding its symbolic dims. */
    public void bindVariable(String name, TensorType type, DType dtype, int[] shape) {
        bind(type, dtype, shape, "variable @", name, "");
    }

    /** {@link #bindInput(String, TensorType, DType, int[])} for a host value. */
    public void bindInput(String name, TensorType type, HostTensor value) {
        if (!matchesStatic(type, value)) {
            bindInput(name, type, value.dtype(), value.shape());
        }
    }

    /** {@link #bindVariable(String, TensorType, DType, int[])} for a host value. */
    public void bindVariable(String name, TensorType type, HostTensor value) {
        if (!matchesStatic(type, value)) {
            bindVariable(name, type, value.dtype(), value.shape());
        }
    }

    /** Whether {@code type} is static and {@code value} has it: nothing to bind, no shape to copy. */
    private static boolean matchesStatic(TensorType type, HostTensor value) {
        if (value.dtype() != type.dtype() || value.rank() != type.rank()) {
            return false;
        }
        for (int d = 0; d < type.rank(); d++) {
            Dim dim = type.shape().dim(d);
            if (!dim.isStatic() || dim.size() != value.dim(d)) {
                return false;
            }
        }
        return true;
    }

    /** The check; the error names the value as {@code before + name + after} (built only for an error). */
    private void bind(TensorType type, DType dtype, int[] shape, String before, String name, String after) {
        if (dtype != type.dtype()) {
            throw new IrException("function @" + program.name() + ": " + before + name + after + " has dtype " + dtype
                    + ", expected " + type.dtype());
        }
        if (shape.length != type.rank()) {
            throw new IrException("function @" + program.name() + ": " + before + name + after + " has shape "
                    + Arrays.toString(shape) + ", expected " + type.shape());
        }
        for (int d = 0; d < type.rank(); d++) {
            Dim dim = type.shape().dim(d);
            int actual = shape[d];
            if (!dim.isStatic() && sizes.isEmpty()) {
                sizes = new HashMap<>();
            }
            if (dim.isStatic() ? dim.size() != actual : sizes.putIfAbsent(dim.toString(), actual) != null
                    && sizes.get(dim.toString()) != actual) {
                throw new IrException("function @" + program.name() + ": " + before + name + after + " has shape "
                        + Arrays.toString(shape) + ", expected " + type.shape()
                        + (dim.isStatic() ? "" : " with " + dim + " = " + sizes.get(dim.toString())));
            }
        }
    }

    /** The sizes of a program without symbolic dims. */
    static final int[] NO_SIZES = new int[0];

    /** The size of each symbolic dim, in the order of {@link KernelProgram#symbols()}. */
    public int[] symbolSizes() {
        if (symbols.isEmpty()) {
            return NO_SIZES;
        }
        int[] result = new int[symbols.size()];
        for (int i = 0; i < result.length; i++) {
            Integer size = sizes.get(symbols.get(i));
            if (size == null) {
                throw new IrException("function @" + program.name() + ": no input binds dim " + symbols.get(i));
            }
            result[i] = size;
        }
        return result;
    }

    /** A shape with the bound sizes in place of its symbolic dims. */
    public int[] resolve(Shape shape) {
        return shape.bind(sizes).sizes();
    }
}
