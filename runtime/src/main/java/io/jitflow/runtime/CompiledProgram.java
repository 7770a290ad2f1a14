package io.jitflow.runtime;

/**
 * What generated code implements: runs every kernel of a program over its buffers. {@code buffers}
 * holds one primitive array per buffer id; {@code sizes} the size of each symbolic dim, in the
 * order of {@link io.jitflow.ir.kernel.KernelProgram#symbols()}.
 */
public interface CompiledProgram {
    void run(Object[] buffers, int[] sizes);
}
