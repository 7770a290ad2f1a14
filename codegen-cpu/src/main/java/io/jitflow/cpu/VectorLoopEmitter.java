package io.jitflow.cpu;

import io.jitflow.ir.DType;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Label;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * Emits the inner loop of a float elementwise kernel with the Vector API: along the last axis,
 * {@code L} lanes at a time, contiguous loads as vector loads and loads that do not vary along the
 * axis as broadcasts; the last, partial vector of a row is loaded and stored through {@link
 * io.jitflow.runtime.VectorTails} (no masks: those allocate on JDK 17), so every element is
 * computed by the same lane operations wherever a row (or a thread's share of it) ends. Values are
 * computed in the output's float type throughout (casts between float32 and float64 disappear), so
 * results are within a few ulps of the reference, not bit-identical; but they are the same in every
 * run: only IEEE-exact lane operations are used, and float32 exp, expm1, log, log1p and tanh come
 * from {@link io.jitflow.runtime.VectorMath}, never from the Vector API's own transcendental
 * operations, whose intrinsic and Java fallback differ (the JIT's tier would change the bits).
 * Kernels with other shapes of expression are left to the scalar loop.
 */
final class VectorLoopEmitter {
    private static final String PACKAGE = "jdk/incubator/vector/";
    private static final Type SPECIES = Type.getObjectType(PACKAGE + "VectorSpecies");
    private static final Type VECTOR = Type.getObjectType(PACKAGE + "Vector");
    private static final Type MASK = Type.getObjectType(PACKAGE + "VectorMask");
    private static final Type OPERATORS = Type.getObjectType(PACKAGE + "VectorOperators");
    private static final Type UNARY = Type.getObjectType(PACKAGE + "VectorOperators$Unary");
    private static final Type BINARY = Type.getObjectType(PACKAGE + "VectorOperators$Binary");
    private static final Type ASSOCIATIVE = Type.getObjectType(PACKAGE + "VectorOperators$Associative");
    private static final Type COMPARISON = Type.getObjectType(PACKAGE + "VectorOperators$Comparison");
    private static final Type VECTOR_MATH = Type.getType(io.jitflow.runtime.VectorMath.class);
    private static final Type VECTOR_TAILS = Type.getType(io.jitflow.runtime.VectorTails.class);
    /** Unary operations IEEE 754 defines exactly, lanewise in any vector type. */
    private static final Set<ScalarOp> EXACT_UNARY = Set.of(ScalarOp.NEG, ScalarOp.ABS, ScalarOp.SQRT);
    /** Functions VectorMath computes for float32 lanes. */
    private static final Set<ScalarOp> VECTOR_MATH_OPS = Set.of(ScalarOp.EXP, ScalarOp.EXPM1, ScalarOp.LOG,
            ScalarOp.LOG1P, ScalarOp.TANH);
    private static final Set<ScalarOp> ARITHMETIC = Set.of(ScalarOp.ADD, ScalarOp.SUB, ScalarOp.MUL, ScalarOp.DIV,
            ScalarOp.MAX, ScalarOp.MIN);
    private static final Set<ScalarOp> COMPARISONS = Set.of(ScalarOp.EQ, ScalarOp.NE, ScalarOp.LT, ScalarOp.LE,
            ScalarOp.GT, ScalarOp.GE);

    private final KernelScope scope;
    private final GeneratorAdapter g;
    private final ExprEmitter scalar;
    private final int axis;
    private final io.jitflow.ir.Shape space;
    private final Type vectorType;
    private final DType element;
    private final Map<Expr, Integer> cached = new IdentityHashMap<>();
    /** Uniform conditions by the local holding their scalar value: a select on one branches instead of blending. */
    private final Map<Expr, Integer> conditions = new IdentityHashMap<>();
    private int species;
    /** The local holding the number of lanes of a row's partial last vector being computed, or -1 for whole vectors. */
    private int tailCount = -1;
    /** The local holding this thread's scratch vector for partial vectors. */
    private int lanes;
    /** In a flat loop over a map's trailing axes, the local holding the last axis's coordinate for periodic loads; else -1. */
    private int period = -1;

    VectorLoopEmitter(KernelScope scope, ExprEmitter scalar, Kernel.Map l) {
        this.scope = scope;
        this.g = scope.g;
        this.scalar = scalar;
        this.axis = l.space().rank() - 1;
        this.space = l.space();
        this.element = l.output().type().dtype();
        this.vectorType = Type.getObjectType(PACKAGE + (element == DType.FLOAT32 ? "FloatVector" : "DoubleVector"));
    }

    /** The vectorized axis: the map's last. */
    int axis() {
        return axis;
    }

    /**
     * How a map's trailing axes (all but the first, at least two, static, the last at most {@link
     * #MAX_FLAT_ROW} long) may run as one flat loop
     * of vectors, each axis's coordinate but the last's held at 0 and the last's running over the
     * whole block: possible when every load that depends on them reads either the block as it lies
     * (its trailing dims those of the map, indexed by their coordinates) or along the last axis
     * only (a bias, broadcast across the others: a periodic load), and nothing else depends on them.
     */
    enum Flattening {
        /** Row by row along the last axis. */
        NONE,
        /** Every load that depends on the block reads it as it lies: its flat position is the coordinate. */
        CONTIGUOUS,
        /**
         * Some loads read along the last axis only: at the flat position modulo its size, which needs
         * rows of whole vectors (each vector then lies within one row).
         */
        PERIODIC
    }

    /**
     * The longest rows (last axis) flattened: rows of a few vectors lose most to each row's loop
     * set-up. ResNet-50's epilogues, rows of 64 to 2,048 channels, ran 5-10% slower flattened
     * throughout (interleaved runs, 59-64 against 55-57 ms an image) and as fast with rows of 64
     * and fewer flattened.
     */
    private static final int MAX_FLAT_ROW = 64;

    /** Expression nodes above which a periodic map is not emitted twice (flat, and row by row as its fallback). */
    private static final int MAX_DUPLICATED_NODES = 200;

    /** How the map's vectorized results may run over its trailing axes (see {@link Flattening}). */
    static Flattening flattening(Kernel.Map l, List<Kernel.Result> results) {
        io.jitflow.ir.Shape space = l.space();
        if (space.rank() < 3 || !space.dims().subList(1, space.rank()).stream().allMatch(io.jitflow.ir.Dim::isStatic)
                || space.dim(space.rank() - 1).size() > MAX_FLAT_ROW) {
            return Flattening.NONE;
        }
        boolean periodic = false;
        int nodes = 0;
        for (Kernel.Result r : results) {
            List<Expr> loads = new java.util.ArrayList<>();
            if (!flatAlongBlock(r.body(), space, loads)) {
                return Flattening.NONE;
            }
            periodic |= loads.stream().anyMatch(load -> !readsBlock((Expr.Load) load, space));
            nodes += Expr.size(r.body());
        }
        return !periodic ? Flattening.CONTIGUOUS : nodes <= MAX_DUPLICATED_NODES ? Flattening.PERIODIC : Flattening.NONE;
    }

    /**
     * Whether {@code e} depends on the map's trailing axes only through loads of the block as it
     * lies or periodic loads (collected in {@code loads}).
     */
    private static boolean flatAlongBlock(Expr e, io.jitflow.ir.Shape space, List<Expr> loads) {
        int last = space.rank() - 1;
        boolean trailing = java.util.stream.IntStream.rangeClosed(1, last).anyMatch(a -> mentions(e, a));
        if (!trailing) {
            return true;
        }
        if (e instanceof Expr.Load l && (readsBlock(l, space) || contiguous(l, space)
                && java.util.stream.IntStream.range(1, last).noneMatch(a -> mentions(l, a)))) {
            loads.add(l);
            return true;
        }
        return !(e instanceof Expr.Coord || e instanceof Expr.Load)
                && Expr.children(e).stream().allMatch(c -> flatAlongBlock(c, space, loads));
    }

    /** Whether a load reads the map's trailing block as it lies: its trailing dims the block's, indexed by their coordinates. */
    private static boolean readsBlock(Expr.Load l, io.jitflow.ir.Shape space) {
        return readsTrailingAxes(l, space, 1);
    }

    /**
     * Whether a load reads the space's axes from {@code first} on as they lie: its last dims
     * theirs, indexed by their coordinates, its other indices independent of them.
     */
    static boolean readsTrailingAxes(Expr.Load l, io.jitflow.ir.Shape space, int first) {
        int block = space.rank() - first;
        List<Expr> index = l.index();
        int lead = index.size() - block;
        if (lead < 0) {
            return false;
        }
        for (int k = 0; k < block; k++) {
            if (!index.get(lead + k).equals(new Expr.Coord(first + k))
                    || !l.buffer().type().shape().dim(lead + k).equals(space.dim(first + k))) {
                return false;
            }
        }
        for (int d = 0; d < lead; d++) {
            for (int a = first; a < space.rank(); a++) {
                if (mentions(index.get(d), a)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** In a flat loop, the local holding the last axis's coordinate for periodic loads (-1 after it). */
    void readPeriodicLoadsAt(int local) {
        period = local;
    }

    /** Whether a result of a float map is an expression this emitter can vectorize along the last axis. */
    static boolean supports(Kernel.Map l, Kernel.Result result) {
        DType out = l.output().type().dtype();
        return io.jitflow.runtime.VectorApi.PRESENT && l.space().rank() > 0
                && (out == DType.FLOAT32 || out == DType.FLOAT64) && result.output().type().dtype() == out
                && vectorizable(result.body(), out, l.space());
    }

    private static boolean vectorizable(Expr e, DType element, io.jitflow.ir.Shape space) {
        int axis = space.rank() - 1;
        if (uniform(e, axis)) {
            return true;
        }
        if (e instanceof Expr.Const c) {
            return c.dtype().isFloating();
        } else if (e instanceof Expr.Load l) {
            return l.dtype() == element && (!varies(l, axis) || contiguous(l, space));
        } else if (e instanceof Expr.Cast c) {
            return c.dtype().isFloating() && c.x().dtype().isFloating() && vectorizable(c.x(), element, space);
        } else if (e instanceof Expr.Unary u) {
            boolean supported = u.dtype().isFloating() && (EXACT_UNARY.contains(u.op())
                    || element == DType.FLOAT32 && VECTOR_MATH_OPS.contains(u.op()));
            return (supported || u.op() == ScalarOp.NOT) && vectorizable(u.x(), element, space);
        } else if (e instanceof Expr.Binary b) {
            boolean supported = ARITHMETIC.contains(b.op()) && b.dtype().isFloating()
                    || COMPARISONS.contains(b.op()) && b.a().dtype().isFloating()
                    || (b.op() == ScalarOp.AND || b.op() == ScalarOp.OR) && b.a().dtype() == DType.BOOL;
            return supported && vectorizable(b.a(), element, space) && vectorizable(b.b(), element, space);
        } else if (e instanceof Expr.Select s) {
            return s.a().dtype().isFloating() && vectorizable(s.cond(), element, space)
                    && vectorizable(s.a(), element, space) && vectorizable(s.b(), element, space);
        }
        return false;
    }

    /**
     * A value or condition the same in every lane (it does not depend on the vectorized axis, as a
     * slice gradient's test of another axis's coordinate, or a softmax row's float64 sum): computed
     * by the scalar code, rounded to the lanes' type and broadcast.
     */
    private static boolean uniform(Expr e, int axis) {
        boolean laneType = e.dtype() == DType.BOOL || e.dtype() == DType.FLOAT32 || e.dtype() == DType.FLOAT64;
        return !(e instanceof Expr.Const) && laneType && !mentions(e, axis) && explicitlyIndexed(e);
    }

    /** Whether every position the expression depends on is in its coordinates (a random draw's is not). */
    private static boolean explicitlyIndexed(Expr e) {
        if (e instanceof Expr.Const || e instanceof Expr.Coord || e instanceof Expr.Size) {
            return true;
        } else if (e instanceof Expr.Load l) {
            return l.index().stream().allMatch(VectorLoopEmitter::explicitlyIndexed);
        } else if (e instanceof Expr.Unary u) {
            return explicitlyIndexed(u.x());
        } else if (e instanceof Expr.Binary b) {
            return explicitlyIndexed(b.a()) && explicitlyIndexed(b.b());
        } else if (e instanceof Expr.Cast c) {
            return explicitlyIndexed(c.x());
        } else if (e instanceof Expr.Select s) {
            return explicitlyIndexed(s.cond()) && explicitlyIndexed(s.a()) && explicitlyIndexed(s.b());
        }
        return false;
    }

    /** Whether a load's position depends on the vectorized axis. */
    private static boolean varies(Expr.Load l, int axis) {
        return l.index().stream().anyMatch(i -> mentions(i, axis));
    }

    private static boolean mentions(Expr e, int axis) {
        if (e instanceof Expr.Coord c) {
            return c.axis() == axis;
        } else if (e instanceof Expr.Binary b) {
            return mentions(b.a(), axis) || mentions(b.b(), axis);
        } else if (e instanceof Expr.Unary u) {
            return mentions(u.x(), axis);
        } else if (e instanceof Expr.Cast c) {
            return mentions(c.x(), axis);
        } else if (e instanceof Expr.Select s) {
            return mentions(s.cond(), axis) || mentions(s.a(), axis) || mentions(s.b(), axis);
        } else if (e instanceof Expr.Load l) {
            return l.index().stream().anyMatch(i -> mentions(i, axis));
        }
        return false;
    }

    /**
     * A load whose last index is the last axis's coordinate, plus an offset that does not depend on
     * it (a slice's begin), and whose other indices do not depend on it; or a load through a
     * reshape of a buffer the size of the space at the point's own flat position in the space:
     * lanes are adjacent (a position past the buffer's end would wrap around, as a bias broadcast
     * before a flatten does).
     */
    private static boolean contiguous(Expr.Load l, io.jitflow.ir.Shape space) {
        int axis = space.rank() - 1;
        Expr position = ExprEmitter.reshapedPosition(l);
        if (position != null) {
            return position.equals(flatPosition(space)) && sameSize(l.buffer().type().shape(), space);
        }
        List<Expr> index = l.index();
        if (index.isEmpty() || !coordinatePlusOffset(index.get(index.size() - 1), axis)) {
            return false;
        }
        for (int d = 0; d < index.size() - 1; d++) {
            if (mentions(index.get(d), axis)) {
                return false;
            }
        }
        return true;
    }

    /** The row-major flat position of the point in {@code space}, as fusion writes it (multiplications by 1 and 0 left out). */
    private static Expr flatPosition(io.jitflow.ir.Shape space) {
        Expr flat = null;
        for (int d = 0; d < space.rank(); d++) {
            io.jitflow.ir.Dim dim = space.dim(d);
            Expr size = dim.isStatic() ? Expr.Const.index(dim.size()) : new Expr.Size(dim);
            Expr scaled = flat == null ? null : dim.isStatic() && dim.size() == 1 ? flat : Expr.index(flat, ScalarOp.MUL, size);
            flat = scaled == null ? new Expr.Coord(d) : Expr.index(scaled, ScalarOp.ADD, new Expr.Coord(d));
        }
        return flat;
    }

    /** Whether two shapes hold as many elements: the same product of static dims and the same symbolic dims. */
    private static boolean sameSize(io.jitflow.ir.Shape a, io.jitflow.ir.Shape b) {
        return staticProduct(a) == staticProduct(b) && symbolicDims(a).equals(symbolicDims(b));
    }

    private static long staticProduct(io.jitflow.ir.Shape shape) {
        return shape.dims().stream().filter(io.jitflow.ir.Dim::isStatic).mapToLong(io.jitflow.ir.Dim::size).reduce(1, (x, y) -> x * y);
    }

    private static List<String> symbolicDims(io.jitflow.ir.Shape shape) {
        return shape.dims().stream().filter(d -> !d.isStatic()).map(Object::toString).sorted().toList();
    }

    private static boolean coordinatePlusOffset(Expr e, int axis) {
        if (e instanceof Expr.Coord c) {
            return c.axis() == axis;
        }
        return e instanceof Expr.Binary b && b.op() == ScalarOp.ADD
                && (coordinatePlusOffset(b.a(), axis) && !mentions(b.b(), axis)
                || coordinatePlusOffset(b.b(), axis) && !mentions(b.a(), axis));
    }

    /** Loads the species once, at the start of the kernel. */
    void prepare() {
        // One species for all generated code and the matmul kernel: a second one (256-bit vectors for
        // rows shorter than 16 floats, say) makes the Vector API's shared code see two vector
        // classes, and HotSpot then stops compiling it to vector instructions everywhere.
        g.getStatic(vectorType, "SPECIES_PREFERRED", SPECIES);
        species = g.newLocal(SPECIES);
        g.storeLocal(species);
        Type laneArray = JvmTypes.array(element);
        g.invokeStatic(VECTOR_TAILS, new Method(element == DType.FLOAT32 ? "floatLanes" : "doubleLanes", laneArray,
                new Type[0]));
        lanes = g.newLocal(laneArray);
        g.storeLocal(lanes);
    }

    /** Pushes the last index the vector loop covers: the axis length rounded down to whole vectors. */
    void pushLoopBound(Runnable pushLength) {
        g.loadLocal(species);
        pushLength.run();
        g.invokeInterface(SPECIES, Method.getMethod("int loopBound(int)"));
    }

    void pushLaneCount() {
        g.loadLocal(species);
        g.invokeInterface(SPECIES, Method.getMethod("int length()"));
    }

    /**
     * Emits each result's body for lanes starting at the axis coordinate and stores it at
     * {@code pushIndex}; subexpressions the bodies share are computed once. With a {@code tailCount}
     * local (not -1), only that many lanes are read and stored: a row's partial last vector.
     */
    void emitAndStore(List<Kernel.Result> results, Runnable pushIndex, int tailCount) {
        this.tailCount = tailCount;
        cached.clear();
        conditions.clear();
        Map<Expr, Integer> uses = new IdentityHashMap<>();
        results.forEach(r -> count(r.body(), uses));
        for (Kernel.Result r : results) {
            hoist(r.body(), uses);
            emit(r.body());
            Method intoArray = new Method("intoArray", Type.VOID_TYPE, new Type[] {JvmTypes.array(element), Type.INT_TYPE});
            if (tailCount < 0) {
                scope.loadArray(r.output());
                pushIndex.run();
                g.invokeVirtual(vectorType, intoArray);
            } else {
                // Through the scratch lanes: the first tailCount of them go to the output.
                g.loadLocal(lanes);
                g.push(0);
                g.invokeVirtual(vectorType, intoArray);
                g.loadLocal(lanes);
                g.push(0);
                scope.loadArray(r.output());
                pushIndex.run();
                g.loadLocal(tailCount);
                g.invokeStatic(Type.getType(System.class), Method.getMethod("void arraycopy(Object, int, Object, int, int)"));
            }
        }
    }

    private static void count(Expr e, Map<Expr, Integer> uses) {
        if (uses.merge(e, 1, Integer::sum) > 1) {
            return;
        }
        if (e instanceof Expr.Unary u) {
            count(u.x(), uses);
        } else if (e instanceof Expr.Binary b) {
            count(b.a(), uses);
            count(b.b(), uses);
        } else if (e instanceof Expr.Cast c) {
            count(c.x(), uses);
        } else if (e instanceof Expr.Select s) {
            count(s.cond(), uses);
            count(s.a(), uses);
            count(s.b(), uses);
        }
    }

    /** Computes each shared subexpression once into a local, innermost first (vector lanes never branch). */
    private void hoist(Expr e, Map<Expr, Integer> uses) {
        if (cached.containsKey(e)) {
            return;
        }
        if (uniform(e, axis)) {
            // Before any vector is pushed, and once for every use.
            int value = uniformScalar(e);
            if (e.dtype() == DType.BOOL) {
                conditions.put(e, value);
            }
            pushUniform(e, value);
            int local = g.newLocal(e.dtype() == DType.BOOL ? MASK : vectorType);
            g.storeLocal(local);
            cached.put(e, local);
            return;
        }
        if (e instanceof Expr.Unary u) {
            hoist(u.x(), uses);
        } else if (e instanceof Expr.Binary b) {
            hoist(b.a(), uses);
            hoist(b.b(), uses);
        } else if (e instanceof Expr.Cast c) {
            hoist(c.x(), uses);
        } else if (e instanceof Expr.Select s) {
            hoist(s.cond(), uses);
            if (!uniform(s.cond(), axis)) {
                // A branch of a select on a uniform condition runs only when taken (its loads may be
                // out of range otherwise, as a slice update's), so nothing in it is computed ahead.
                hoist(s.a(), uses);
                hoist(s.b(), uses);
            }
        }
        if (uses.getOrDefault(e, 0) > 1 && !(e instanceof Expr.Const)) {
            emit(e);
            int local = g.newLocal(e.dtype() == DType.BOOL ? MASK : vectorType);
            g.storeLocal(local);
            cached.put(e, local);
        }
    }

    private void emit(Expr e) {
        Integer local = cached.get(e);
        if (local != null) {
            g.loadLocal(local);
        } else if (e instanceof Expr.Const c) {
            broadcast(() -> pushScalar(c.value()));
        } else if (uniform(e, axis)) {
            pushUniform(e, uniformScalar(e));
        } else if (e instanceof Expr.Load l) {
            load(l);
        } else if (e instanceof Expr.Cast c) {
            emit(c.x());
        } else if (e instanceof Expr.Unary u) {
            emit(u.x());
            if (u.op() == ScalarOp.NOT) {
                g.invokeVirtual(MASK, new Method("not", MASK, new Type[0]));
            } else if (VECTOR_MATH_OPS.contains(u.op())) {
                g.invokeStatic(VECTOR_MATH, new Method(u.op().name().toLowerCase(java.util.Locale.ROOT), vectorType,
                        new Type[] {vectorType}));
            } else {
                g.getStatic(OPERATORS, u.op().name(), UNARY);
                g.invokeVirtual(vectorType, new Method("lanewise", vectorType, new Type[] {UNARY}));
            }
        } else if (e instanceof Expr.Binary b) {
            binary(b);
        } else if (e instanceof Expr.Select s && uniform(s.cond(), axis)) {
            // The same choice in every lane: only the branch taken runs (its loads may be out of range otherwise).
            Integer known = conditions.get(s.cond());
            int condition = known != null ? known : uniformScalar(s.cond());
            ExprEmitter.choose(g, () -> g.loadLocal(condition), () -> emit(s.a()), () -> emit(s.b()));
        } else if (e instanceof Expr.Select s) {
            emit(s.b());
            emit(s.a());
            emit(s.cond());
            g.invokeVirtual(vectorType, new Method("blend", vectorType, new Type[] {VECTOR, MASK}));
        }
    }

    /** Computes a uniform expression with the scalar code into a new local (a boolean, or the element type); returns it. */
    private int uniformScalar(Expr e) {
        boolean condition = e.dtype() == DType.BOOL;
        scalar.emitStandalone(e);
        if (!condition) {
            g.cast(JvmTypes.value(e.dtype()), scalarType());
        }
        int value = g.newLocal(condition ? Type.BOOLEAN_TYPE : scalarType());
        g.storeLocal(value);
        return value;
    }

    /** Pushes a uniform expression's scalar (in {@code value}) as a mask or a vector of all lanes. */
    private void pushUniform(Expr e, int value) {
        if (e.dtype() == DType.BOOL) {
            g.loadLocal(species);
            g.loadLocal(value);
            g.invokeInterface(SPECIES, new Method("maskAll", MASK, new Type[] {Type.BOOLEAN_TYPE}));
        } else {
            broadcast(() -> g.loadLocal(value));
        }
    }

    private void binary(Expr.Binary b) {
        emit(b.a());
        if (b.op() == ScalarOp.AND || b.op() == ScalarOp.OR) {
            emit(b.b());
            g.invokeVirtual(MASK, new Method(b.op().name().toLowerCase(), MASK, new Type[] {MASK}));
        } else if (COMPARISONS.contains(b.op())) {
            // Vector compares are IEEE: every comparison with NaN is false (NE true), as in the scalar code.
            g.getStatic(OPERATORS, b.op().name(), COMPARISON);
            emit(b.b());
            g.invokeVirtual(vectorType, new Method("compare", MASK, new Type[] {COMPARISON, VECTOR}));
        } else {
            boolean associative = b.op() == ScalarOp.ADD || b.op() == ScalarOp.MUL || b.op() == ScalarOp.MAX
                    || b.op() == ScalarOp.MIN;
            g.getStatic(OPERATORS, b.op().name(), associative ? ASSOCIATIVE : BINARY);
            emit(b.b());
            g.invokeVirtual(vectorType, new Method("lanewise", vectorType, new Type[] {BINARY, VECTOR}));
        }
    }

    private void load(Expr.Load l) {
        if (!varies(l, axis)) {
            broadcast(() -> {
                scalar.emit(l);
                g.cast(JvmTypes.value(l.dtype()), scalarType());
            });
            return;
        }
        Method fromArray = new Method("fromArray", vectorType, new Type[] {SPECIES, JvmTypes.array(element), Type.INT_TYPE});
        Runnable pushIndex = period < 0 || readsBlock(l, space) ? () -> scalar.pushIndex(l)
                : () -> scope.withCoord(axis, period, () -> scalar.pushIndex(l));
        if (tailCount < 0) {
            g.loadLocal(species);
            scope.loadArray(l.buffer());
            pushIndex.run();
            g.invokeStatic(vectorType, fromArray);
            return;
        }
        // A partial vector: a whole one where it fits in the array, else the row's last elements
        // copied to the scratch lanes.
        int at = g.newLocal(Type.INT_TYPE);
        pushIndex.run();
        g.storeLocal(at);
        Label copied = new Label();
        Label loaded = new Label();
        g.loadLocal(at);
        g.loadLocal(lanes);
        g.arrayLength();
        g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        scope.loadArray(l.buffer());
        g.arrayLength();
        g.ifICmp(GeneratorAdapter.GT, copied);
        g.loadLocal(species);
        scope.loadArray(l.buffer());
        g.loadLocal(at);
        g.invokeStatic(vectorType, fromArray);
        g.goTo(loaded);
        g.mark(copied);
        g.loadLocal(species);
        scope.loadArray(l.buffer());
        g.loadLocal(at);
        g.loadLocal(tailCount);
        g.loadLocal(lanes);
        Type array = JvmTypes.array(element);
        g.invokeStatic(VECTOR_TAILS, new Method("copy", array, new Type[] {array, Type.INT_TYPE, Type.INT_TYPE, array}));
        g.push(0);
        g.invokeStatic(vectorType, fromArray);
        g.mark(loaded);
    }

    private Type scalarType() {
        return element == DType.FLOAT32 ? Type.FLOAT_TYPE : Type.DOUBLE_TYPE;
    }

    private void pushScalar(double v) {
        if (element == DType.FLOAT32) {
            g.push((float) v);
        } else {
            g.push(v);
        }
    }

    private void broadcast(Runnable pushScalar) {
        g.loadLocal(species);
        pushScalar.run();
        g.invokeStatic(vectorType, new Method("broadcast", vectorType, new Type[] {SPECIES, scalarType()}));
    }
}
