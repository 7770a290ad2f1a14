package io.jitflow.runtime;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
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
    private final Map<String, Integer> sizes = new HashMap<>();

    public ShapeBindings(KernelProgram program) {
        this.program = program;
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

    /** Checks a value of {@code dtype} and {@code shape} against {@code type}, binding its symbolic dims. */
    public void bind(TensorType type, DType dtype, int[] shape, String what) {
        if (dtype != type.dtype()) {
            throw new IrException("function @" + program.name() + ": " + what + " has dtype " + dtype
                    + ", expected " + type.dtype());
        }
        if (shape.length != type.rank()) {
            throw new IrException("function @" + program.name() + ": " + what + " has shape "
                    + Arrays.toString(shape) + ", expected " + type.shape());
        }
        for (int d = 0; d < type.rank(); d++) {
            Dim dim = type.shape().dim(d);
            int actual = shape[d];
            if (dim.isStatic() ? dim.size() != actual : sizes.putIfAbsent(dim.toString(), actual) != null
                    && sizes.get(dim.toString()) != actual) {
                throw new IrException("function @" + program.name() + ": " + what + " has shape "
                        + Arrays.toString(shape) + ", expected " + type.shape()
                        + (dim.isStatic() ? "" : " with " + dim + " = " + sizes.get(dim.toString())));
            }
        }
    }

    /** The size of each symbolic dim, in the order of {@link KernelProgram#symbols()}. */
    public int[] symbolSizes() {
        List<String> symbols = program.symbols();
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
