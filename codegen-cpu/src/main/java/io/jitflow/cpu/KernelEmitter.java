package io.jitflow.cpu;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.runtime.KernelSupport;
import io.jitflow.runtime.RowEpilogue;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Label;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * Emits one kernel's method body: a loop nest over the iteration space (kept axes outside, reduced
 * axes inside, in axis order, so reductions fold in the reference's order), a matmul, or a scatter.
 */
final class KernelEmitter {
    private static final Type SUPPORT = Type.getType(KernelSupport.class);

    private final KernelScope scope;
    private final GeneratorAdapter g;
    private final ExprEmitter exprs;
    /** Whether to use the Vector API for the float maps it supports. */
    private final boolean vectorize;
    /** Whether float32 matmuls sum in float64, as the reference does. */
    private final boolean exact;

    KernelEmitter(GeneratorAdapter g, List<String> symbols, CpuCodeOptions options) {
        this.scope = new KernelScope(g, symbols);
        this.g = g;
        this.exprs = new ExprEmitter(scope);
        this.vectorize = options.usesVectorApi();
        this.exact = options.exact();
    }

    /** The kernel's method, a loop kernel given the range of {@code split}'s coordinates. */
    void emit(Kernel k, int split) {
        splitAxis = split;
        if (k instanceof Kernel.Map m) {
            mapKernel(m);
        } else if (k instanceof Kernel.Reduce r) {
            reduceKernel(r);
        } else if (k instanceof Kernel.Matmul m) {
            matmul(m);
        } else if (k instanceof Kernel.Windowed w) {
            windowed(w);
        } else if (k instanceof Kernel.ScatterAdd s) {
            scatterAdd(s);
        }
        g.returnValue();
    }

    // ---- loops ----

    /** Loop kernels take the range of their outermost coordinate as these arguments, to be split across threads. */
    static final int RANGE_FROM_ARG = 2;
    static final int RANGE_TO_ARG = 3;

    /** The axis whose coordinates [from, to) the kernel method was given, or -1. */
    private int splitAxis = -1;

    /** A counted loop over {@code axis}'s coordinate from 0 to {@code size}, around {@code body}. */
    private void loop(int axis, Dim size, Runnable body) {
        if (axis == splitAxis) {
            loop(axis, () -> g.loadArg(RANGE_FROM_ARG), () -> g.loadArg(RANGE_TO_ARG), body);
        } else {
            loop(axis, () -> g.push(0), () -> scope.pushSize(size), body);
        }
    }

    private void loop(int axis, Runnable pushStart, Runnable pushEnd, Runnable body) {
        loop(scope.coord(axis), pushStart, pushEnd, 1, body);
    }

    /** for (local = start; local < end; local += step) body. */
    private void loop(int local, Runnable pushStart, Runnable pushEnd, int step, Runnable body) {
        Label test = new Label();
        Label end = new Label();
        pushStart.run();
        g.storeLocal(local);
        g.mark(test);
        g.loadLocal(local);
        pushEnd.run();
        g.ifICmp(GeneratorAdapter.GE, end);
        body.run();
        g.iinc(local, step);
        g.goTo(test);
        g.mark(end);
    }

    /** Loops over {@code axes} of {@code space}, outermost first, around {@code body}. */
    private void nest(Shape space, List<Integer> axes, Runnable body) {
        nest(space, axes, 0, body);
    }

    private void nest(Shape space, List<Integer> axes, int from, Runnable body) {
        if (from == axes.size()) {
            body.run();
            return;
        }
        int axis = axes.get(from);
        loop(axis, space.dim(axis), () -> nest(space, axes, from + 1, body));
    }

    /**
     * The axis a loop kernel is split along: the outermost of its nest (the first kept axis of a
     * reduction) that is not statically of size 1 (a batch of one: ResNet-50's epilogues at batch 1
     * ran on one thread), else the outermost, or -1 when it has none.
     */
    static int splitAxisOf(Kernel.Loop l) {
        int first = -1;
        for (int d = 0; d < l.space().rank(); d++) {
            if (!l.reducedAxes().contains(d)) {
                Dim dim = l.space().dim(d);
                if (!dim.isStatic() || dim.size() != 1) {
                    return d;
                }
                first = first < 0 ? d : first;
            }
        }
        return first;
    }

    /** Pushes the row-major position of the given axes' coordinates, the sizes taken from {@code space}. */
    private void pushFlatIndex(Shape space, List<Integer> axes) {
        g.push(0);
        for (int axis : axes) {
            scope.pushSize(space.dim(axis));
            g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
            g.loadLocal(scope.coord(axis));
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        }
    }

    private void store(Buffer out, Shape space, List<Integer> axes, Runnable pushValue) {
        scope.loadArray(out);
        pushFlatIndex(space, axes);
        pushValue.run();
        scope.narrowForStore(out.type().dtype());
        g.arrayStore(JvmTypes.element(out.type().dtype()));
    }

    private static List<Integer> range(int n) {
        List<Integer> axes = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            axes.add(d);
        }
        return axes;
    }

    private void mapKernel(Kernel.Map m) {
        for (Kernel.Result r : m.results()) {
            exprs.prepareBuffers(r.body());
            scope.prepare(r.output());
        }
        List<Integer> all = range(m.space().rank());
        // Results the vector loop can compute go there; the others (an integer comparison, say)
        // take a scalar pass of their own, as results never read one another.
        List<Kernel.Result> vectorized = vectorize
                ? m.results().stream().filter(r -> VectorLoopEmitter.supports(m, r)).toList() : List.of();
        List<Kernel.Result> scalar = m.results().stream().filter(r -> !vectorized.contains(r)).toList();
        if (!vectorized.isEmpty()) {
            vectorMap(m, all, vectorized);
        }
        int across = scalar.size() == 1 ? transposedAxis(m.space(), scalar.get(0)) : -1;
        if (across >= 0) {
            transposeInTiles(m, all, scalar, across);
        } else if (!scalar.isEmpty()) {
            nest(m.space(), all, () -> storeResults(m, all, scalar));
        }
    }

    /** Points of a transpose's tile along each of its two axes: 16 x 16 floats read and written a cache line at a time. */
    private static final int TRANSPOSE_TILE = 16;

    /**
     * For a result that copies a buffer of the space's size with its axes permuted (a transpose,
     * which row-major loops would read a cache line per element), the axis whose coordinate is the
     * buffer's last index, when that is not the space's last axis; else -1.
     */
    private static int transposedAxis(Shape space, Kernel.Result r) {
        int last = space.rank() - 1;
        if (!(r.body() instanceof Expr.Load l) || l.index().size() != space.rank() || last < 1
                || l.buffer().type().dtype() != r.output().type().dtype()) {
            return -1;
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Expr index : l.index()) {
            if (!(index instanceof Expr.Coord c) || !seen.add(c.axis())) {
                return -1;
            }
        }
        int across = ((Expr.Coord) l.index().get(last)).axis();
        return across == last ? -1 : across;
    }

    /**
     * A transpose in square tiles of the two axes that are innermost in the source ({@code across})
     * and in the output (the last): each tile reads and writes whole cache lines (the convnet's
     * filter gradient moves its 2.8 MB activations so: 980-1,120 -> 660-770 us a step).
     */
    private void transposeInTiles(Kernel.Map m, List<Integer> all, List<Kernel.Result> results, int across) {
        Shape space = m.space();
        int last = space.rank() - 1;
        List<Integer> outer = new ArrayList<>(all);
        outer.removeAll(List.of(across, last));
        int acrossTile = g.newLocal(Type.INT_TYPE);
        int lastTile = g.newLocal(Type.INT_TYPE);
        nest(space, outer, () -> tiles(space, across, acrossTile, () -> tiles(space, last, lastTile,
                () -> withinTile(space, across, acrossTile, () -> withinTile(space, last, lastTile,
                        () -> storeResults(m, all, results))))));
    }

    /** The tiles along {@code axis}: {@code tile} from the axis's start to its end, a tile at a time. */
    private void tiles(Shape space, int axis, int tile, Runnable body) {
        boolean split = axis == splitAxis;
        loop(tile, split ? () -> g.loadArg(RANGE_FROM_ARG) : () -> g.push(0),
                split ? () -> g.loadArg(RANGE_TO_ARG) : () -> scope.pushSize(space.dim(axis)), TRANSPOSE_TILE, body);
    }

    /** The coordinates along {@code axis} of the tile starting at {@code tile}: up to the axis's end. */
    private void withinTile(Shape space, int axis, int tile, Runnable body) {
        boolean split = axis == splitAxis;
        loop(axis, () -> g.loadLocal(tile), () -> {
            g.loadLocal(tile);
            g.push(TRANSPOSE_TILE);
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            if (split) {
                g.loadArg(RANGE_TO_ARG);
            } else {
                scope.pushSize(space.dim(axis));
            }
            g.invokeStatic(Type.getType(Math.class), Method.getMethod("int min(int, int)"));
        }, body);
    }

    private void reduceKernel(Kernel.Reduce l) {
        exprs.prepareBuffers(l.body());
        scope.prepare(l.output());
        Shape space = l.space();
        exprs.prepareBuffers(l.epilogue());
        List<Integer> kept = new ArrayList<>(range(space.rank()));
        kept.removeAll(l.reducedAxes());
        Type accType = JvmTypes.value(l.accumulator());
        scope.accumulator = g.newLocal(accType);
        DType valueType = l.body().dtype();
        // A sum over one inner axis keeps its blocked order (fast mode), as it had before such sums folded by rows.
        if (foldsRowsIntoArray(l) && (l.reducedAxes().get(0) == 0 || !sumsInBlocks(l))) {
            foldRows(l, kept, accType, valueType);
            return;
        }
        if (foldsShortRows(l)) {
            foldShortRows(l, kept, accType, valueType);
            return;
        }
        boolean arg = l.isArg();
        Type bestType = valueType.isFloating() ? Type.DOUBLE_TYPE : Type.LONG_TYPE;
        int best = arg ? g.newLocal(bestType) : -1;
        int value = arg ? g.newLocal(bestType) : -1;
        nest(space, kept, () -> {
            pushIdentity(l.reducer(), l.accumulator(), valueType);
            g.storeLocal(scope.accumulator);
            if (arg) {
                requireNonEmpty(space.dim(l.reducedAxes().get(0)), l.reducer());
                // Set at the first element; initialized so that the verifier sees it assigned.
                pushNumber(bestType == Type.DOUBLE_TYPE ? DType.FLOAT64 : DType.INT64, 0);
                g.storeLocal(best);
            }
            if (sumsInBlocks(l)) {
                blockedSum(l, valueType);
            } else {
                nest(space, l.reducedAxes(), () -> {
                    if (arg) {
                        foldArg(l, best, value, bestType);
                    } else {
                        fold(l.reducer(), valueType, accType, l.body());
                    }
                });
            }
            store(l.output(), space, kept, () -> exprs.emitValue(l.epilogue()));
        });
    }

    /** Values summed into each partial sum of a blocked sum. */
    private static final int SUM_BLOCK = 256;

    /**
     * Whether a float64 sum over one axis adds its values in blocks (fast mode only: exact mode
     * keeps the reference's order): each block's partial sum, then the partials. The rounding error
     * then grows with n / 256 + 256 rather than with n.
     */
    private boolean sumsInBlocks(Kernel.Reduce l) {
        return vectorize && l.reducer() == Kernel.Reducer.SUM && l.accumulator() == DType.FLOAT64
                && l.reducedAxes().size() == 1;
    }

    /** acc = sum over the reduced axis, SUM_BLOCK values per partial sum (kept in the accumulator local). */
    private void blockedSum(Kernel.Reduce l, DType valueType) {
        int axis = l.reducedAxes().get(0);
        int coord = scope.coord(axis);
        int total = g.newLocal(Type.DOUBLE_TYPE);
        int blockStart = g.newLocal(Type.INT_TYPE);
        int blockEnd = g.newLocal(Type.INT_TYPE);
        g.push(0.0);
        g.storeLocal(total);
        loop(blockStart, () -> g.push(0), () -> scope.pushSize(l.space().dim(axis)), SUM_BLOCK, () -> {
            g.push(0.0);
            g.storeLocal(scope.accumulator);
            g.loadLocal(blockStart);
            g.push(SUM_BLOCK);
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            scope.pushSize(l.space().dim(axis));
            g.invokeStatic(Type.getType(Math.class), Method.getMethod("int min(int, int)"));
            g.storeLocal(blockEnd);
            loop(coord, () -> g.loadLocal(blockStart), () -> g.loadLocal(blockEnd), 1,
                    () -> fold(Kernel.Reducer.SUM, valueType, Type.DOUBLE_TYPE, l.body()));
            g.loadLocal(total);
            g.loadLocal(scope.accumulator);
            g.math(GeneratorAdapter.ADD, Type.DOUBLE_TYPE);
            g.storeLocal(total);
        });
        g.loadLocal(total);
        g.storeLocal(scope.accumulator);
    }

    /** The most accumulators {@link #foldRows} keeps in an array. */
    private static final int MAX_ROW_ACCUMULATORS = 1 << 16;

    /**
     * Whether a reduction over a run of axes folds row by row into an array of accumulators: its
     * reduced axes are consecutive, the kept axes after them static and not too many (a bias
     * gradient over the batch and a convolution's spatial dims; column sums; a global average
     * pool over the spatial dims, the batch kept before them).
     */
    private static boolean foldsRowsIntoArray(Kernel.Reduce l) {
        Shape space = l.space();
        List<Integer> reduced = l.reducedAxes();
        int after = reduced.get(0) + reduced.size();
        if (!reduced.equals(java.util.stream.IntStream.range(reduced.get(0), after).boxed().toList())
                || space.rank() <= after || l.isArg()) {
            return false;
        }
        long count = 1;
        for (int d = after; d < space.rank(); d++) {
            if (!space.dim(d).isStatic()) {
                return false;
            }
            count *= space.dim(d).size();
        }
        return count <= MAX_ROW_ACCUMULATORS;
    }

    /**
     * A reduction over a run of axes, loops interchanged: for each point of the kept axes before
     * the run, row by row (the reduced axes outside, in order), each kept point after the run with
     * its accumulator in an array, so that the inner loop reads contiguous memory (and HotSpot may
     * vectorize it). Every accumulator still folds the same values in the same order. ResNet-50's
     * global average pool (7 x 7 x 2,048 at batch 1, with the last block's residual and relu) took
     * 0.63 ms a call point by point, each point's values 8 KB apart, and 0.44 ms so.
     */
    private void foldRows(Kernel.Reduce l, List<Integer> kept, Type accType, DType valueType) {
        Shape space = l.space();
        int first = l.reducedAxes().get(0);
        List<Integer> leading = kept.stream().filter(axis -> axis < first).toList();
        List<Integer> trailing = kept.stream().filter(axis -> axis > first).toList();
        int accumulators = g.newLocal(Type.getType("[" + accType.getDescriptor()));
        int count = 1;
        for (int axis : trailing) {
            count *= space.dim(axis).size();
        }
        g.push(count);
        if (accType == Type.DOUBLE_TYPE) {
            g.invokeStatic(SUPPORT, Method.getMethod("double[] rowAccumulators(int)"));
        } else {
            g.newArray(accType);
        }
        g.storeLocal(accumulators);
        Runnable pushSlot = () -> {
            g.loadLocal(accumulators);
            pushFlatIndex(space, trailing);
        };
        List<Integer> rowMajor = new ArrayList<>(l.reducedAxes());
        rowMajor.addAll(trailing);
        nest(space, leading, () -> {
            nest(space, trailing, () -> {
                pushSlot.run();
                pushIdentity(l.reducer(), l.accumulator(), valueType);
                g.arrayStore(accType);
            });
            Expr.Load row = widenedRow(l, trailing);
            if (row != null) {
                nest(space, l.reducedAxes(), () -> addRowInto(space, trailing, accumulators, row));
            } else {
                nest(space, rowMajor, () -> {
                    pushSlot.run();
                    g.arrayLoad(accType);
                    g.storeLocal(scope.accumulator);
                    fold(l.reducer(), valueType, accType, l.body());
                    pushSlot.run();
                    g.loadLocal(scope.accumulator);
                    g.arrayStore(accType);
                });
            }
            nest(space, trailing, () -> {
                pushSlot.run();
                g.arrayLoad(accType);
                g.storeLocal(scope.accumulator);
                store(l.output(), space, kept, () -> exprs.emitValue(l.epilogue()));
            });
        });
    }

    /**
     * The shortest rows added a vector at a time: sixteen float32 values fill one of AVX-512's
     * vectors, and a shorter row is all scalar tail (a 128 x 10 column sum took 7 us so, 2.5 value
     * by value).
     */
    private static final int WIDENED_ROW_MIN = 16;

    /**
     * The float32 load a float64 sum folds by rows, where the vector path adds each row to its
     * accumulators with {@link io.jitflow.runtime.VectorMath#addRowInto}: the load reads the kept
     * axes after the reduced ones as they lie, so a row's values are contiguous. Null where the
     * sum is another expression, the rows are short, or in exact mode.
     */
    private Expr.Load widenedRow(Kernel.Reduce l, List<Integer> trailing) {
        long row = trailing.stream().mapToLong(axis -> l.space().dim(axis).size()).reduce(1, (a, b) -> a * b);
        return vectorize && l.reducer() == Kernel.Reducer.SUM && l.accumulator() == DType.FLOAT64 && row >= WIDENED_ROW_MIN
                && l.body() instanceof Expr.Load load && load.buffer().type().dtype() == DType.FLOAT32
                && VectorLoopEmitter.readsTrailingAxes(load, l.space(), trailing.get(0)) ? load : null;
    }

    /**
     * At one point of the reduced axes: the accumulators of this thread's kept points after them
     * (a run of the split axis, whole dims after it) += the row's values there, widened.
     */
    private void addRowInto(Shape space, List<Integer> trailing, int accumulators, Expr.Load row) {
        for (int axis : trailing) {
            if (axis == splitAxis) {
                g.loadArg(RANGE_FROM_ARG);
            } else {
                g.push(0);
            }
            g.storeLocal(scope.coord(axis));
        }
        g.loadLocal(accumulators);
        pushFlatIndex(space, trailing);
        scope.loadArray(row.buffer());
        exprs.pushIndex(row);
        g.push(1);
        for (int axis : trailing) {
            if (axis == splitAxis) {
                g.loadArg(RANGE_TO_ARG);
                g.loadArg(RANGE_FROM_ARG);
                g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
            } else {
                scope.pushSize(space.dim(axis));
            }
            g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
        }
        g.invokeStatic(Type.getType(io.jitflow.runtime.VectorMath.class),
                Method.getMethod("void addRowInto(double[], int, float[], int, int)"));
    }

    /** The longest rows {@link #foldShortRows} folds, and how many rows it folds together. */
    private static final int SHORT_ROW = 64;
    private static final int ROWS_AT_ONCE = 4;

    /**
     * Whether a reduction over its trailing axes, static and at most {@link #SHORT_ROW} values a
     * row, folds rows side by side: a softmax's max and sum over 10 classes, a loss per example.
     */
    private static boolean foldsShortRows(Kernel.Reduce l) {
        Shape space = l.space();
        List<Integer> reduced = l.reducedAxes();
        int first = reduced.get(0);
        if (first == 0 || l.isArg() || !reduced.equals(range(space.rank()).subList(first, space.rank()))) {
            return false;
        }
        long row = 1;
        for (int axis : reduced) {
            if (!space.dim(axis).isStatic()) {
                return false;
            }
            row *= space.dim(axis).size();
        }
        return row <= SHORT_ROW;
    }

    /**
     * A reduction over short trailing rows, {@link #ROWS_AT_ONCE} rows (along the last kept axis) at
     * a time, each with its accumulator in a local, their folds interleaved: the rows' chains run side
     * by side instead of each fold waiting on the last (a max's compare and blends take several
     * cycles). Every accumulator still folds its row's values in order: the same bits. The rows
     * left over fold one at a time. A softmax's max over 128 x 10 took 5.5 us a call row by row.
     * (Accumulators in an array, rows inside the reduced loop, ran 3.4 or 12 us, as HotSpot's
     * compilation fell.)
     */
    private void foldShortRows(Kernel.Reduce l, List<Integer> kept, Type accType, DType valueType) {
        Shape space = l.space();
        int rowAxis = kept.get(kept.size() - 1);
        int coord = scope.coord(rowAxis);
        boolean split = rowAxis == splitAxis;
        Runnable pushStart = split ? () -> g.loadArg(RANGE_FROM_ARG) : () -> g.push(0);
        Runnable pushEnd = split ? () -> g.loadArg(RANGE_TO_ARG) : () -> scope.pushSize(space.dim(rowAxis));
        int rowsLeft = g.newLocal(Type.INT_TYPE);
        int[] accumulators = new int[ROWS_AT_ONCE];
        for (int r = 0; r < ROWS_AT_ONCE; r++) {
            accumulators[r] = g.newLocal(accType);
        }
        int group = g.newLocal(Type.INT_TYPE);
        // Row r of the group: its coordinate, its accumulator.
        java.util.function.IntConsumer atRow = r -> {
            g.loadLocal(group);
            g.push(r);
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            g.storeLocal(coord);
            scope.accumulator = accumulators[r];
        };
        int single = scope.accumulator;
        nest(space, kept.subList(0, kept.size() - 1), () -> {
            // The first row after the whole groups.
            pushEnd.run();
            pushStart.run();
            g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
            g.push(ROWS_AT_ONCE);
            g.math(GeneratorAdapter.REM, Type.INT_TYPE);
            g.storeLocal(rowsLeft);
            loop(group, pushStart, () -> {
                pushEnd.run();
                g.loadLocal(rowsLeft);
                g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
            }, ROWS_AT_ONCE, () -> {
                for (int r = 0; r < ROWS_AT_ONCE; r++) {
                    pushIdentity(l.reducer(), l.accumulator(), valueType);
                    g.storeLocal(accumulators[r]);
                }
                nest(space, l.reducedAxes(), () -> {
                    for (int r = 0; r < ROWS_AT_ONCE; r++) {
                        atRow.accept(r);
                        fold(l.reducer(), valueType, accType, l.body());
                    }
                });
                for (int r = 0; r < ROWS_AT_ONCE; r++) {
                    atRow.accept(r);
                    store(l.output(), space, kept, () -> exprs.emitValue(l.epilogue()));
                }
                scope.accumulator = single;
            });
            loop(coord, () -> {
                pushEnd.run();
                g.loadLocal(rowsLeft);
                g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
            }, pushEnd, 1, () -> {
                pushIdentity(l.reducer(), l.accumulator(), valueType);
                g.storeLocal(scope.accumulator);
                nest(space, l.reducedAxes(), () -> fold(l.reducer(), valueType, accType, l.body()));
                store(l.output(), space, kept, () -> exprs.emitValue(l.epilogue()));
            });
        });
    }

    /** Stores each of the given results of a map at the current point, in order. */
    private void storeResults(Kernel.Map l, List<Integer> all, List<Kernel.Result> results) {
        for (Kernel.Result r : results) {
            store(r.output(), l.space(), all, () -> exprs.emitValue(r.body()));
        }
    }

    /**
     * A map vectorized along its last axis: row by row, or, where its trailing axes (all but the
     * first) can run as one block (see {@link VectorLoopEmitter.Flattening}), one flat loop over
     * them: a convolution's bias and relu over 26 x 26 points of 32 channels then takes 1352
     * vectors in one loop rather than two in each of 676.
     */
    private void vectorMap(Kernel.Map l, List<Integer> all, List<Kernel.Result> results) {
        VectorLoopEmitter vector = new VectorLoopEmitter(scope, exprs, l);
        vector.prepare();
        int lanes = g.newLocal(Type.INT_TYPE);
        vector.pushLaneCount();
        g.storeLocal(lanes);
        // A flat loop runs the first axis's range (see vectorBlocks), so only a kernel split along it flattens.
        VectorLoopEmitter.Flattening flattening = splitAxis <= 0 ? VectorLoopEmitter.flattening(l, results)
                : VectorLoopEmitter.Flattening.NONE;
        if (flattening == VectorLoopEmitter.Flattening.NONE) {
            vectorRows(l, all, results, vector, lanes);
            return;
        }
        if (flattening == VectorLoopEmitter.Flattening.CONTIGUOUS) {
            vectorBlocks(l, all, results, vector, lanes, false);
            return;
        }
        // Periodic loads need rows of whole vectors; the lane count is the running JVM's.
        Label rows = new Label();
        Label done = new Label();
        Shape space = l.space();
        scope.pushSize(space.dim(space.rank() - 1));
        g.loadLocal(lanes);
        g.math(GeneratorAdapter.REM, Type.INT_TYPE);
        g.ifZCmp(GeneratorAdapter.NE, rows);
        vectorBlocks(l, all, results, vector, lanes, true);
        g.goTo(done);
        g.mark(rows);
        vectorRows(l, all, results, vector, lanes);
        g.mark(done);
    }

    /** The map row by row: along the last axis, whole vectors first, then the rest of the row as a partial vector. */
    private void vectorRows(Kernel.Map l, List<Integer> all, List<Kernel.Result> results, VectorLoopEmitter vector,
                            int lanes) {
        Shape space = l.space();
        int last = space.rank() - 1;
        boolean split = last == splitAxis;
        Runnable pushStart = split ? () -> g.loadArg(RANGE_FROM_ARG) : () -> g.push(0);
        Runnable pushEnd = split ? () -> g.loadArg(RANGE_TO_ARG) : () -> scope.pushSize(space.dim(last));
        nest(space, all.subList(0, last), () -> vectorSpan(vector, results, () -> pushFlatIndex(space, all), lanes,
                pushStart, pushEnd, () -> { }));
    }

    /**
     * The map's trailing axes as one block per coordinate of the first: the last axis's coordinate
     * runs over the whole block (the others stay 0), so loads of the block and the stores take
     * their flat position; a periodic load reads at that position modulo the last axis's size.
     */
    private void vectorBlocks(Kernel.Map l, List<Integer> all, List<Kernel.Result> results, VectorLoopEmitter vector,
                              int lanes, boolean periodic) {
        Shape space = l.space();
        int last = space.rank() - 1;
        int block = 1;
        for (int a = 1; a <= last; a++) {
            block *= space.dim(a).size();
        }
        int size = block;
        int position = scope.coord(last);
        int period = periodic ? g.newLocal(Type.INT_TYPE) : -1;
        if (periodic) {
            g.push(0);
            g.storeLocal(period);
        }
        vector.readPeriodicLoadsAt(period);
        // period = position % size, counted along (a division per vector cost ResNet-50's epilogues 10%):
        // 0 at the block's start, then a vector's lanes more each time, back to 0 at the row's end.
        Runnable computePeriod = !periodic ? () -> { } : () -> {
            Label next = new Label();
            Label done = new Label();
            g.loadLocal(position);
            g.ifZCmp(GeneratorAdapter.NE, next);
            g.push(0);
            g.storeLocal(period);
            g.goTo(done);
            g.mark(next);
            g.loadLocal(period);
            g.loadLocal(lanes);
            g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            g.dup();
            scope.pushSize(space.dim(last));
            Label inside = new Label();
            g.ifICmp(GeneratorAdapter.LT, inside);
            g.pop();
            g.push(0);
            g.mark(inside);
            g.storeLocal(period);
            g.mark(done);
        };
        nest(space, List.of(0), () -> {
            for (int a = 1; a < last; a++) {
                g.push(0);
                g.storeLocal(scope.coord(a));
            }
            vectorSpan(vector, results, () -> pushFlatIndex(space, all), lanes, () -> g.push(0), () -> g.push(size),
                    computePeriod);
        });
        vector.readPeriodicLoadsAt(-1);
    }

    /**
     * The last axis's coordinate from start: whole vectors while one fits before end, then the rest
     * as one partial vector (the same lane operations); {@code beforeEach} runs before each vector.
     */
    private void vectorSpan(VectorLoopEmitter vector, List<Kernel.Result> results, Runnable pushIndex, int lanes,
                            Runnable pushStart, Runnable pushEnd, Runnable beforeEach) {
        int coord = scope.coord(vector.axis());
        int bound = g.newLocal(Type.INT_TYPE);
        int tailCount = g.newLocal(Type.INT_TYPE);
        // Whole vectors while coord + lanes <= end: bound = start + loopBound(end - start).
        pushStart.run();
        vector.pushLoopBound(() -> {
            pushEnd.run();
            pushStart.run();
            g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
        });
        g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        g.storeLocal(bound);
        Label vectorTest = new Label();
        Label tail = new Label();
        pushStart.run();
        g.storeLocal(coord);
        g.mark(vectorTest);
        g.loadLocal(coord);
        g.loadLocal(bound);
        g.ifICmp(GeneratorAdapter.GE, tail);
        beforeEach.run();
        vector.emitAndStore(results, pushIndex, -1);
        g.loadLocal(coord);
        g.loadLocal(lanes);
        g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
        g.storeLocal(coord);
        g.goTo(vectorTest);
        g.mark(tail);
        Label end = new Label();
        pushEnd.run();
        g.loadLocal(coord);
        g.math(GeneratorAdapter.SUB, Type.INT_TYPE);
        g.storeLocal(tailCount);
        g.loadLocal(tailCount);
        g.ifZCmp(GeneratorAdapter.LE, end);
        beforeEach.run();
        vector.emitAndStore(results, pushIndex, tailCount);
        g.mark(end);
    }

    private void pushIdentity(Kernel.Reducer reducer, DType accumulator, DType valueType) {
        switch (reducer) {
            case SUM, ANY, ARGMAX, ARGMIN -> pushNumber(accumulator, 0);
            case PROD, ALL -> pushNumber(accumulator, 1);
            case MAX -> {
                if (accumulator.isFloating()) {
                    g.push(Double.NEGATIVE_INFINITY);
                } else {
                    g.push(minimumOf(valueType));
                }
            }
            case MIN -> {
                if (accumulator.isFloating()) {
                    g.push(Double.POSITIVE_INFINITY);
                } else {
                    g.push(maximumOf(valueType));
                }
            }
        }
    }

    private void pushNumber(DType dtype, long v) {
        switch (dtype) {
            case FLOAT64 -> g.push((double) v);
            case INT64 -> g.push(v);
            default -> g.push((int) v);
        }
    }

    private static long minimumOf(DType dtype) {
        return switch (dtype) {
            case UINT8 -> 0;
            case INT32 -> Integer.MIN_VALUE;
            default -> Long.MIN_VALUE;
        };
    }

    private static long maximumOf(DType dtype) {
        return switch (dtype) {
            case UINT8 -> 255;
            case INT32 -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }

    /** acc = acc (op) body, with the body converted to the accumulator's type. */
    private void fold(Kernel.Reducer reducer, DType valueType, Type accType, io.jitflow.ir.kernel.Expr body) {
        g.loadLocal(scope.accumulator);
        exprs.emitValue(body);
        g.cast(JvmTypes.value(valueType), accType);
        switch (reducer) {
            case SUM -> g.math(GeneratorAdapter.ADD, accType);
            case PROD -> g.math(GeneratorAdapter.MUL, accType);
            case ANY -> g.math(GeneratorAdapter.OR, accType);
            case ALL -> g.math(GeneratorAdapter.AND, accType);
            case MAX -> g.invokeStatic(Type.getType(Math.class), new Method("max", accType, new Type[] {accType, accType}));
            case MIN -> g.invokeStatic(Type.getType(Math.class), new Method("min", accType, new Type[] {accType, accType}));
            default -> throw new IllegalStateException(reducer + " is folded by foldArg");
        }
        g.storeLocal(scope.accumulator);
    }

    /** argmax/argmin: keep the first extreme; a NaN, once met, wins (as the reference does). */
    private void foldArg(Kernel.Reduce l, int best, int value, Type bestType) {
        int axis = l.reducedAxes().get(0);
        exprs.emitValue(l.body());
        g.cast(JvmTypes.value(l.body().dtype()), bestType);
        g.storeLocal(value);
        Label take = new Label();
        Label skip = new Label();
        g.loadLocal(scope.coord(axis));
        g.ifZCmp(GeneratorAdapter.EQ, take);
        int mode = l.reducer() == Kernel.Reducer.ARGMAX ? GeneratorAdapter.GT : GeneratorAdapter.LT;
        if (bestType == Type.DOUBLE_TYPE) {
            Method isNaN = Method.getMethod("boolean isNaN(double)");
            g.loadLocal(best);
            g.invokeStatic(Type.getType(Double.class), isNaN);
            g.ifZCmp(GeneratorAdapter.NE, skip);
            g.loadLocal(value);
            g.invokeStatic(Type.getType(Double.class), isNaN);
            g.ifZCmp(GeneratorAdapter.NE, take);
        }
        g.loadLocal(value);
        g.loadLocal(best);
        g.ifCmp(bestType, mode, take);
        g.goTo(skip);
        g.mark(take);
        g.loadLocal(value);
        g.storeLocal(best);
        g.loadLocal(scope.coord(axis));
        g.cast(Type.INT_TYPE, Type.LONG_TYPE);
        g.storeLocal(scope.accumulator);
        g.mark(skip);
    }

    private void requireNonEmpty(Dim axisSize, Kernel.Reducer reducer) {
        Label ok = new Label();
        scope.pushSize(axisSize);
        g.ifZCmp(GeneratorAdapter.NE, ok);
        g.push(reducer.name().toLowerCase() + ": cannot take the " + reducer.name().toLowerCase() + " of an empty axis");
        g.invokeStatic(SUPPORT, Method.getMethod("RuntimeException fail(String)"));
        g.throwException();
        g.mark(ok);
    }

    // ---- matmul ----

    /**
     * The product from {@link io.jitflow.runtime.MatmulKernels}, which sums in the accumulator's
     * type (float32 on the Vector API path) and writes the rounded result to the output; the
     * epilogue, if any, is a method of its own that the matmul may run on its rows (the kernel's
     * third argument; see {@link CpuCompiler}); a float32 product with a row-major A reads it in
     * place through the program's tiles (the fourth; see {@link TileEmitter}).
     */
    private void matmul(Kernel.Matmul m) {
        pushOperands(m);
        if (m.accumulator().isFloating()) {
            g.loadArg(PRODUCT_TILES_ARG);
            g.loadArg(2);
            g.invokeStatic(MATMUL_KERNELS, Method.getMethod("void floating(Object, int[], boolean, Object, int[], boolean, "
                    + "boolean, Object, int[], boolean, " + TILES + ", " + RowEpilogue.class.getName() + ")"));
        } else {
            g.loadArg(2);
            g.invokeStatic(MATMUL_KERNELS, Method.getMethod("void integer(Object, int[], boolean, Object, int[], boolean, "
                    + "Object, int[], " + RowEpilogue.class.getName() + ")"));
        }
    }

    private static final String TILES = io.jitflow.runtime.FloatTiles.class.getName();
    /** Where a product's method, and a row chain's product's, take the program's tiles (or null). */
    private static final int PRODUCT_TILES_ARG = 3;
    private static final int ROWS_TILES_ARG = 4;

    /**
     * The method of a floating product in a row chain (see {@link RowChains}): its rows [from, to)
     * on the calling thread, the epilogue left to the chain.
     */
    void emitRows(Kernel.Matmul m) {
        pushOperands(m);
        g.loadArg(ROWS_TILES_ARG);
        g.loadArg(RANGE_FROM_ARG);
        g.loadArg(RANGE_TO_ARG);
        g.invokeStatic(MATMUL_KERNELS, Method.getMethod("void floatingRows(Object, int[], boolean, Object, int[], "
                + "boolean, boolean, Object, int[], boolean, " + TILES + ", int, int)"));
        g.returnValue();
    }

    private static final Type MATMUL_KERNELS = Type.getType(io.jitflow.runtime.MatmulKernels.class);

    /** A, its shape and transpose, B's, whether B is constant (floating only), C and its shape, exact (floating only). */
    private void pushOperands(Kernel.Matmul m) {
        for (Buffer b : List.of(m.a(), m.b(), m.output())) {
            scope.prepare(b);
        }
        scope.loadArray(m.a());
        pushShape(m.a().type().shape());
        g.push(m.transposeA());
        scope.loadArray(m.b());
        pushShape(m.b().type().shape());
        g.push(m.transposeB());
        if (m.accumulator().isFloating()) {
            g.push(m.b().storage().kind() == Buffer.Kind.CONSTANT);
        }
        scope.loadArray(m.output());
        pushShape(m.output().type().shape());
        if (m.accumulator().isFloating()) {
            g.push(exact);
        }
    }

    /**
     * A convolution, pool or pool gradient from {@link io.jitflow.runtime.ConvKernels}: an implicit
     * GEMM, or a direct loop over each point's channels. A convolution runs its epilogue itself, as
     * a matmul does (the kernel's third argument); the others' runs after.
     */
    private void windowed(Kernel.Windowed k) {
        List<Buffer> arrays = k instanceof Kernel.Conv c ? List.of(c.x(), c.w(), c.output())
                : k instanceof Kernel.Depthwise d ? List.of(d.x(), d.w(), d.output())
                : k instanceof Kernel.PoolGrad p ? List.of(p.chosen(), p.x(), p.output()) : List.of(k.x(), k.output());
        for (Buffer b : arrays) {
            scope.prepare(b);
            scope.loadArray(b);
            pushShape(b.type().shape());
            if (k instanceof Kernel.Conv c && b == c.w()) {
                g.push(b.storage().kind() == Buffer.Kind.CONSTANT);
            }
        }
        if (k instanceof Kernel.Conv c) {
            g.push(c.transposed());
        }
        List<int[]> geometry = new java.util.ArrayList<>(List.of(k.strides(), k.dilations(), k.padLo()));
        if (k instanceof Kernel.Pool p) {
            g.push(p.max());
            g.push(p.countIncludePad());
            geometry.add(0, p.window());
        } else if (k instanceof Kernel.PoolGrad p) {
            geometry.add(0, p.window());
        } else if (k instanceof Kernel.PoolArgmax p) {
            geometry.add(0, p.window());
        }
        for (int[] values : geometry) {
            pushConstant(values);
        }
        String shapes = "Object, int[], ".repeat(arrays.size());
        String routine;
        if (k instanceof Kernel.Conv) {
            g.push(exact);
            g.loadArg(2);
            routine = "void floating(Object, int[], Object, int[], boolean, Object, int[], boolean, int[], int[], int[],"
                    + " boolean, " + RowEpilogue.class.getName() + ")";
        } else if (k instanceof Kernel.Depthwise) {
            routine = "void depthwise(" + shapes + "int[], int[], int[])";
        } else if (k instanceof Kernel.PoolGrad) {
            routine = "void maxPoolGrad(" + shapes + "int[], int[], int[], int[])";
        } else if (k instanceof Kernel.PoolArgmax) {
            routine = "void firstLargestTaps(" + shapes + "int[], int[], int[], int[])";
        } else {
            routine = "void pool(" + shapes + "boolean, boolean, int[], int[], int[], int[])";
        }
        g.invokeStatic(Type.getType(io.jitflow.runtime.ConvKernels.class), Method.getMethod(routine));
    }

    /** The JVM's bootstrap for an int[] constant (see {@link KernelSupport#constantInts}). */
    private static final org.objectweb.asm.Handle CONSTANT_INTS = new org.objectweb.asm.Handle(org.objectweb.asm.Opcodes.H_INVOKESTATIC,
            SUPPORT.getInternalName(), "constantInts", "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;"
            + "Ljava/lang/Class;[I)[I", false);

    /** {@code values} as an int[] the class resolves once (see {@link KernelSupport#constantInts}). */
    private void pushConstant(int[] values) {
        Object[] arguments = java.util.Arrays.stream(values).boxed().toArray();
        g.visitLdcInsn(new org.objectweb.asm.ConstantDynamic("ints", "[I", CONSTANT_INTS, arguments));
    }

    // ---- scatter ----

    private void scatterAdd(Kernel.ScatterAdd s) {
        for (Buffer b : List.of(s.x(), s.indices(), s.updates(), s.output())) {
            scope.prepare(b);
        }
        for (Buffer b : List.of(s.x(), s.indices(), s.updates())) {
            scope.loadArray(b);
            pushShape(b.type().shape());
        }
        scope.loadArray(s.output());
        g.push(s.axis());
        g.push(s.batchDims());
        g.invokeStatic(SUPPORT, Method.getMethod(
                "void scatterAdd(Object, int[], Object, int[], Object, int[], Object, int, int)"));
    }

    /** The shape's sizes as an int[]: a constant of the class where they are static, else one made per call. */
    private void pushShape(Shape shape) {
        if (shape.isStatic()) {
            pushConstant(shape.sizes());
            return;
        }
        g.push(shape.rank());
        g.newArray(Type.INT_TYPE);
        for (int d = 0; d < shape.rank(); d++) {
            g.dup();
            g.push(d);
            scope.pushSize(shape.dim(d));
            g.arrayStore(Type.INT_TYPE);
        }
    }
}
