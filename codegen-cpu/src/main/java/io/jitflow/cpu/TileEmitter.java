package io.jitflow.cpu;

import io.jitflow.ir.DType;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.runtime.FloatTiles;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * A program's {@link FloatTiles}: for each row stride of the float32 products that read A's rows
 * in place, the matmul's micro-kernel with the stride written into it, so that the eight rows'
 * offsets are constants (one index register steps them all, as it does a packed panel), and the
 * class's {@code tile} method, which picks the kernel by stride. The kernel is FloatMatmul's: an 8
 * x 2-vector tile of C in sixteen vectors, each depth two loads of B's packed panel, eight
 * broadcasts from A and sixteen fused multiply-adds in order of depth, so the same bits.
 */
final class TileEmitter {
    private static final String PACKAGE = "jdk/incubator/vector/";
    private static final Type VECTOR = Type.getObjectType(PACKAGE + "Vector");
    private static final Type FLOAT_VECTOR = Type.getObjectType(PACKAGE + "FloatVector");
    private static final Type SPECIES = Type.getObjectType(PACKAGE + "VectorSpecies");
    private static final Type FLOATS = Type.getType(float[].class);
    /** Rows of the tile: FloatMatmul's MR. */
    private static final int ROWS = 8;
    private static final Method FROM_ARRAY = new Method("fromArray", FLOAT_VECTOR,
            new Type[] {SPECIES, FLOATS, Type.INT_TYPE});
    private static final Method INTO_ARRAY = new Method("intoArray", Type.VOID_TYPE, new Type[] {FLOATS, Type.INT_TYPE});
    private static final Method BROADCAST = new Method("broadcast", FLOAT_VECTOR, new Type[] {SPECIES, Type.FLOAT_TYPE});
    private static final Method FMA = new Method("fma", FLOAT_VECTOR, new Type[] {VECTOR, VECTOR});
    /** FloatTiles.tile without its stride: the arguments every kernel takes. */
    private static final Type[] TILE_ARGUMENTS = {FLOATS, Type.INT_TYPE, FLOATS, Type.INT_TYPE, Type.INT_TYPE, FLOATS,
            Type.INT_TYPE, Type.INT_TYPE, FLOATS, Type.INT_TYPE, Type.INT_TYPE};

    private TileEmitter() {
    }

    /**
     * The row stride (A's static last dim) at which the product reads A in place through the
     * program's tiles, or -1 where it packs A: not float32 throughout, a transposed A, a dynamic
     * depth, or code without the Vector API.
     */
    static int strideOf(Kernel k, CpuCodeOptions options) {
        if (!(k instanceof Kernel.Matmul m) || !options.usesVectorApi() || m.transposeA()
                || !m.accumulator().isFloating()
                || !List.of(m.a(), m.b(), m.output()).stream().allMatch(b -> b.type().dtype() == DType.FLOAT32)) {
            return -1;
        }
        Shape a = m.a().type().shape();
        return a.dim(a.rank() - 1).isStatic() ? a.dim(a.rank() - 1).size() : -1;
    }

    /** The strides of the program's products that read A in place, in order. */
    static SortedSet<Integer> strides(List<Kernel> kernels, CpuCodeOptions options) {
        SortedSet<Integer> strides = new TreeSet<>();
        for (Kernel k : kernels) {
            int stride = strideOf(k, options);
            if (stride >= 0) {
                strides.add(stride);
            }
        }
        return strides;
    }

    /** The class's FloatTiles.tile (by stride) and a kernel for each stride. */
    static void emit(ClassWriter cw, String className, SortedSet<Integer> strides) {
        Type[] withStride = new Type[TILE_ARGUMENTS.length + 1];
        withStride[0] = Type.INT_TYPE;
        System.arraycopy(TILE_ARGUMENTS, 0, withStride, 1, TILE_ARGUMENTS.length);
        GeneratorAdapter tile = new GeneratorAdapter(Opcodes.ACC_PUBLIC, new Method("tile", Type.VOID_TYPE, withStride),
                null, null, cw);
        int[] keys = strides.stream().mapToInt(Integer::intValue).toArray();
        Label[] cases = new Label[keys.length];
        Label unknown = new Label();
        for (int i = 0; i < cases.length; i++) {
            cases[i] = new Label();
        }
        tile.loadArg(0);
        tile.visitLookupSwitchInsn(unknown, keys, cases);
        for (int i = 0; i < keys.length; i++) {
            tile.mark(cases[i]);
            for (int arg = 1; arg <= TILE_ARGUMENTS.length; arg++) {
                tile.loadArg(arg);
            }
            tile.invokeStatic(Type.getObjectType(className), kernel(keys[i]));
            tile.returnValue();
        }
        tile.mark(unknown);
        tile.throwException(Type.getType(IllegalStateException.class), "no tiles were generated for this row stride");
        tile.endMethod();
        for (int stride : keys) {
            GeneratorAdapter g = new GeneratorAdapter(Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC, kernel(stride), null, null,
                    cw);
            emitKernel(g, stride);
            g.endMethod();
        }
    }

    private static Method kernel(int stride) {
        return new Method("tiles" + stride, Type.VOID_TYPE, TILE_ARGUMENTS);
    }

    // The kernel's arguments, as FloatTiles.tile's after the stride.
    private static final int A = 0;
    private static final int A0 = 1;
    private static final int PB = 2;
    private static final int B_AT = 3;
    private static final int KC = 4;
    private static final int START = 5;
    private static final int START_AT = 6;
    private static final int LDS = 7;
    private static final int C = 8;
    private static final int C_AT = 9;
    private static final int LDC = 10;

    /**
     * The kernel for rows {@code stride} apart: start's tile into sixteen vectors, the loop over
     * depths, the vectors into C. The species and its length are read as the runtime's kernels read
     * them (constants to HotSpot), so the code fits whatever machine runs it.
     */
    private static void emitKernel(GeneratorAdapter g, int stride) {
        int species = g.newLocal(SPECIES);
        g.getStatic(FLOAT_VECTOR, "SPECIES_PREFERRED", SPECIES);
        g.storeLocal(species);
        int lanes = g.newLocal(Type.INT_TYPE);
        g.loadLocal(species);
        g.invokeInterface(SPECIES, Method.getMethod("int length()"));
        g.storeLocal(lanes);
        int[] acc = new int[2 * ROWS];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = g.newLocal(FLOAT_VECTOR);
            g.loadLocal(species);
            g.loadArg(START);
            pushTileIndex(g, START_AT, LDS, lanes, i);
            g.invokeStatic(FLOAT_VECTOR, FROM_ARRAY);
            g.storeLocal(acc[i]);
        }
        int p = g.newLocal(Type.INT_TYPE);
        int ap = g.newLocal(Type.INT_TYPE);
        int bp = g.newLocal(Type.INT_TYPE);
        int[] b = {g.newLocal(FLOAT_VECTOR), g.newLocal(FLOAT_VECTOR)};
        int v = g.newLocal(FLOAT_VECTOR);
        g.push(0);
        g.storeLocal(p);
        g.loadArg(A0);
        g.storeLocal(ap);
        Label test = new Label();
        Label end = new Label();
        g.mark(test);
        g.loadLocal(p);
        g.loadArg(KC);
        g.ifICmp(GeneratorAdapter.GE, end);
        // bp = bAt + p * 2 lanes: B's panel row at depth p.
        g.loadArg(B_AT);
        g.loadLocal(p);
        g.loadLocal(lanes);
        g.push(2);
        g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
        g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
        g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        g.storeLocal(bp);
        for (int j = 0; j < 2; j++) {
            g.loadLocal(species);
            g.loadArg(PB);
            g.loadLocal(bp);
            if (j == 1) {
                g.loadLocal(lanes);
                g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            }
            g.invokeStatic(FLOAT_VECTOR, FROM_ARRAY);
            g.storeLocal(b[j]);
        }
        for (int r = 0; r < ROWS; r++) {
            g.loadLocal(species);
            g.loadArg(A);
            g.loadLocal(ap);
            if (r > 0) {
                g.push(r * stride);
                g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            }
            g.arrayLoad(Type.FLOAT_TYPE);
            g.invokeStatic(FLOAT_VECTOR, BROADCAST);
            g.storeLocal(v);
            for (int j = 0; j < 2; j++) {
                g.loadLocal(v);
                g.loadLocal(b[j]);
                g.loadLocal(acc[2 * r + j]);
                g.invokeVirtual(FLOAT_VECTOR, FMA);
                g.storeLocal(acc[2 * r + j]);
            }
        }
        g.iinc(p, 1);
        g.iinc(ap, 1);
        g.goTo(test);
        g.mark(end);
        for (int i = 0; i < acc.length; i++) {
            g.loadLocal(acc[i]);
            g.loadArg(C);
            pushTileIndex(g, C_AT, LDC, lanes, i);
            g.invokeVirtual(FLOAT_VECTOR, INTO_ARRAY);
        }
        g.returnValue();
    }

    /** at + (i / 2) * step + (i % 2) * lanes: vector i's index in a tile whose rows are {@code step} apart. */
    private static void pushTileIndex(GeneratorAdapter g, int at, int step, int lanes, int i) {
        g.loadArg(at);
        g.push(i / 2);
        g.loadArg(step);
        g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
        g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        if (i % 2 == 1) {
            g.loadLocal(lanes);
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        }
    }
}
