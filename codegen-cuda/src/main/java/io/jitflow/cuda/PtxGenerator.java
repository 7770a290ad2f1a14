package io.jitflow.cuda;

import io.jitflow.ir.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;
import io.jitflow.ir.kernel.KernelProgram;

/**
 * The CUDA backend's entry point: a kernel program becomes one PTX module with one {@code .entry}
 * per kernel, named after the kernel's position and first fused node.
 *
 * <p>Every entry takes the same four parameters: {@code buffers}, the device address of a table
 * holding one 64-bit device pointer per buffer id (views point at the storage they view);
 * {@code sizes}, the address of the int32 sizes of the program's symbolic dims (in the order of
 * {@link KernelProgram#symbols()}); {@code count}, the number of output points; and
 * {@code status}, the address of an int32 error code (see {@link Module}). Each thread
 * computes points in a grid-stride loop, so any launch shape covers them all.
 */
public final class PtxGenerator {
    private PtxGenerator() {
    }

    /**
     * A PTX module and the run-time errors its kernels can report: a kernel that fails stores
     * {@code 1 + index} into the int32 at its {@code status} parameter (which the host zeroes before
     * the launch and reads after it) and stops.
     */
    public record Module(String ptx, List<String> errors) {
    }

    /** The PTX text of a program's module (see {@link #module}). */
    public static String generate(KernelProgram program) {
        return module(program, PtxTarget.DEFAULT).ptx();
    }

    public static Module module(KernelProgram program) {
        return module(program, PtxTarget.DEFAULT);
    }

    public static Module module(KernelProgram program, PtxTarget target) {
        for (io.jitflow.ir.kernel.Buffer b : program.buffers()) {
            if (b.type().dtype() == io.jitflow.ir.DType.FLOAT16) {
                // float16 has no device layout yet, even where no kernel reads the buffer.
                throw new UnsupportedKernelException("@" + program.name() + ": the CUDA backend does not support float16 "
                        + "buffers yet (" + b + " : " + b.type() + ")");
            }
        }
        List<String> errors = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        sb.append("// Jitflow kernel program @").append(program.name()).append('\n');
        sb.append(".version ").append(target.isaVersion()).append('\n');
        sb.append(".target ").append(target.architecture()).append('\n');
        sb.append(".address_size 64\n");
        for (int i = 0; i < program.kernels().size(); i++) {
            sb.append('\n').append(new PtxKernelWriter(program, i, errors).write());
        }
        return new Module(sb.toString(), List.copyOf(errors));
    }

    /**
     * The {@code count} parameter of kernel {@code index}'s launch: its output points (the kept
     * axes of a loop, every output element of a matmul), with {@code sizes} giving the symbolic dims.
     */
    public static long points(KernelProgram program, int index, int[] sizes) {
        Kernel k = program.kernels().get(index);
        io.jitflow.ir.Shape space = k instanceof Kernel.Loop l ? l.space() : k.output().type().shape();
        List<Integer> reduced = k instanceof Kernel.Loop l ? l.reducedAxes() : List.of();
        long points = 1;
        for (int d = 0; d < space.rank(); d++) {
            if (!reduced.contains(d)) {
                io.jitflow.ir.Dim dim = space.dim(d);
                points *= dim.isStatic() ? dim.size() : sizes[program.symbols().indexOf(dim.toString())];
            }
        }
        return points;
    }

    /** The entry name of kernel {@code index}: {@code k<index>_<first fused node>}. */
    public static String entryName(KernelProgram program, int index) {
        Kernel k = program.kernels().get(index);
        String first = k.fused().isEmpty() ? "" : k.fused().get(0).replaceAll("[^A-Za-z0-9_]", "_");
        return "k" + index + "_" + first;
    }
}
