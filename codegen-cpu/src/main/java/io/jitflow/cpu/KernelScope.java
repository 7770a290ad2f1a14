package io.jitflow.cpu;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;

/**
 * The locals of one kernel method: its arguments (the buffer array and the symbolic sizes), each
 * buffer's typed array and row-major strides, the loop coordinates and the accumulator. Loads and
 * stores go through here so the index arithmetic is written once.
 */
final class KernelScope {
    private static final int BUFFERS_ARG = 0;
    private static final int SIZES_ARG = 1;

    final GeneratorAdapter g;
    private final List<String> symbols;
    private final Map<Buffer, Integer> arrays = new HashMap<>();
    private final Map<Buffer, int[]> strides = new HashMap<>();
    private final Map<Integer, Integer> coords = new HashMap<>();
    int accumulator = -1;

    /** A scope over a method whose first two arguments are the buffer array and the sizes. */
    KernelScope(GeneratorAdapter g, List<String> symbols) {
        this.g = g;
        this.symbols = symbols;
    }

    /** Pushes the size of {@code dim}: a constant, or the run's value of a symbolic dim. */
    void pushSize(Dim dim) {
        if (dim.isStatic()) {
            g.push(dim.size());
        } else {
            g.loadArg(SIZES_ARG);
            g.push(symbols.indexOf(dim.toString()));
            g.arrayLoad(Type.INT_TYPE);
        }
    }

    /** The local holding the coordinate along {@code axis}, made on first use. */
    int coord(int axis) {
        return coords.computeIfAbsent(axis, a -> g.newLocal(Type.INT_TYPE));
    }

    /** Runs {@code body} with the coordinate along {@code axis} read from {@code local}. */
    void withCoord(int axis, int local, Runnable body) {
        int own = coord(axis);
        coords.put(axis, local);
        body.run();
        coords.put(axis, own);
    }

    /** Loads the buffer's array and strides into locals once, at the start of the kernel. */
    void prepare(Buffer b) {
        if (arrays.containsKey(b)) {
            return;
        }
        Type arrayType = JvmTypes.array(b.type().dtype());
        g.loadArg(BUFFERS_ARG);
        g.push(b.id());
        g.arrayLoad(Type.getType(Object.class));
        g.checkCast(arrayType);
        int array = g.newLocal(arrayType);
        g.storeLocal(array);
        arrays.put(b, array);
        Shape shape = b.type().shape();
        int[] locals = new int[shape.rank()];
        int previous = -1;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            locals[d] = g.newLocal(Type.INT_TYPE);
            if (previous < 0) {
                g.push(1);
            } else {
                g.loadLocal(previous);
                pushSize(shape.dim(d + 1));
                g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
            }
            g.storeLocal(locals[d]);
            previous = locals[d];
        }
        strides.put(b, locals);
    }

    void loadArray(Buffer b) {
        g.loadLocal(arrays.get(b));
    }

    void loadStride(Buffer b, int dim) {
        g.loadLocal(strides.get(b)[dim]);
    }

    /** Converts the element just loaded from a buffer's array to its computed form (uint8 unsigned, float16 widened). */
    void widenLoaded(io.jitflow.ir.DType dtype) {
        switch (dtype) {
            case UINT8 -> {
                g.push(0xff);
                g.math(GeneratorAdapter.AND, Type.INT_TYPE);
            }
            case FLOAT16 -> g.invokeStatic(Type.getType(io.jitflow.ir.Float16.class),
                    org.objectweb.asm.commons.Method.getMethod("float toFloat(short)"));
            default -> {
            }
        }
    }

    /** Converts a computed value to what the array stores (float16 back to its bits). */
    void narrowForStore(io.jitflow.ir.DType dtype) {
        if (dtype == io.jitflow.ir.DType.FLOAT16) {
            g.cast(Type.FLOAT_TYPE, Type.DOUBLE_TYPE);
            g.invokeStatic(Type.getType(io.jitflow.ir.Float16.class),
                    org.objectweb.asm.commons.Method.getMethod("short fromDouble(double)"));
        }
    }
}
