package io.jitflow.runtime;

/** Generated code that can run part of a loop kernel: the outermost coordinates in [from, to). */
public interface RangeKernels {
    void runRange(int kernel, Object[] buffers, int[] sizes, int from, int to);
}
