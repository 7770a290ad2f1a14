package io.jitflow.runtime;

/**
 * What runs on a matmul's output rows as soon as a thread has computed them (its epilogue: a bias,
 * an activation, a weight update), while they are still in that thread's cache.
 */
@FunctionalInterface
public interface RowEpilogue {
    RowEpilogue NONE = (from, to) -> { };

    /** Runs over output rows [from, to) of a rank-2 output. */
    void rows(int from, int to);

    /** Loop kernel {@code kernel} of generated code, over the outermost coordinates given. */
    static RowEpilogue of(RangeKernels code, int kernel, Object[] buffers, int[] sizes) {
        return (from, to) -> code.runRange(kernel, buffers, sizes, from, to);
    }
}
