package io.jitflow.runtime;

/**
 * What runs on a matmul's output rows as soon as a thread has computed them (its epilogue: a bias,
 * an activation, a weight update), while they are still in that thread's cache.
 */
@FunctionalInterface
public interface RowEpilogue {
    RowEpilogue NONE = (from, to) -> { };

    /** Runs over output rows [from, to) of a rank-2 output (or coordinates along {@link #axis}). */
    void rows(int from, int to);

    /**
     * The output's axis whose coordinates {@link #rows} takes: 0 (a matmul's rows, a convolution's
     * images), or for a convolution whose leading dims are statically 1 (a batch of one) the first
     * that is not, so that its epilogue too is shared among the threads.
     */
    default int axis() {
        return 0;
    }

    /**
     * How many consecutive rows of a product each call's coordinates stand for (1: its rows
     * themselves); a product shares its rows out among the threads in runs that start at multiples
     * of it, so that no coordinate's rows are split between two threads.
     */
    default int granule() {
        return 1;
    }

    /**
     * {@code epilogue} (over coordinates along its {@link #axis}) run on a product's rows, each
     * coordinate {@code rowsPerCoordinate} consecutive rows (a convolution's output points along the
     * dims after the axis): a call over rows [from, to) runs the coordinates whose last row lies
     * there, so that a product may call it on each block of rows as soon as they are done, in order
     * within each thread's run of rows. {@link #NONE} stays itself.
     */
    static RowEpilogue overRows(RowEpilogue epilogue, int rowsPerCoordinate) {
        return epilogue == NONE ? NONE : new CoordinateRows(epilogue, rowsPerCoordinate);
    }

    /**
     * Loop kernel {@code kernel} of generated code, over the coordinates along {@code axis} given:
     * the calling thread's one such epilogue, pointed at this kernel (so a product allocates none),
     * valid until the thread's next {@code of} or {@link #clear}. Generated code takes one per
     * product, which its kernel threads may run but not take.
     */
    static RowEpilogue of(RangeKernels code, int kernel, Object[] buffers, int[] sizes, int axis) {
        return KernelRows.OF_THREAD.get().set(code, kernel, buffers, sizes, axis);
    }

    /** Drops what the calling thread's epilogue from {@link #of} refers to, once its product is done. */
    static void clear() {
        KernelRows.OF_THREAD.get().set(null, 0, null, null, 0);
    }
}

/** An epilogue over coordinates, each a run of a product's rows: see {@link RowEpilogue#overRows}. */
record CoordinateRows(RowEpilogue epilogue, int granule) implements RowEpilogue {
    @Override
    public void rows(int from, int to) {
        // Coordinate c ends at row (c + 1) * granule, which lies in (from, to] for c in [from / granule, to / granule).
        if (from / granule < to / granule) {
            epilogue.rows(from / granule, to / granule);
        }
    }
}

/** A loop kernel of generated code as an epilogue: one per thread, re-pointed for each product. */
final class KernelRows implements RowEpilogue {
    static final ThreadLocal<KernelRows> OF_THREAD = ThreadLocal.withInitial(KernelRows::new);

    private RangeKernels code;
    private int kernel;
    private Object[] buffers;
    private int[] sizes;
    private int axis;

    KernelRows set(RangeKernels code, int kernel, Object[] buffers, int[] sizes, int axis) {
        this.code = code;
        this.kernel = kernel;
        this.buffers = buffers;
        this.sizes = sizes;
        this.axis = axis;
        return this;
    }

    @Override
    public int axis() {
        return axis;
    }

    @Override
    public void rows(int from, int to) {
        code.runRange(kernel, buffers, sizes, from, to);
    }
}
