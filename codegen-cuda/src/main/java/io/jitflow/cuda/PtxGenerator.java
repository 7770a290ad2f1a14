package io.jitflow.cuda;

import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.cuda.CudaCode;
import java.util.ArrayList;
import java.util.List;

/**
 * The CUDA backend's entry point: a kernel program becomes one PTX module with one {@code .entry}
 * per kernel, named after the kernel's position and first fused node.
 *
 * <p>Every entry takes the same four parameters, all by value, so a launch needs no copy:
 * {@code buffers}, the 64-bit device addresses of the buffers the kernel refers to, in the order of
 * its launch's {@link CudaCode.Launch#buffers} (views point at the storage they view);
 * {@code sizes}, the int32 sizes of the program's symbolic dims (in the order of
 * {@link KernelProgram#symbols()}); {@code count}, the number of output points; and
 * {@code status}, the address of an int32 error code (see {@link CudaCode}). Each thread
 * computes points in a grid-stride loop, so any launch shape covers them all.
 */
public final class PtxGenerator {
    private PtxGenerator() {
    }

    /** The PTX text of a program's module (see {@link #module}). */
    public static String generate(KernelProgram program) {
        return module(program, PtxTarget.DEFAULT).ptx();
    }

    /**
     * The program's module, the run-time errors its kernels report (a kernel that fails stores
     * {@code 1 + index} into the int32 at its {@code status} parameter, which the host reads after
     * the launches and clears, and stops) and its launch plan; in exact mode, bit for bit the
     * reference's results.
     */
    public static CudaCode module(KernelProgram program) {
        return module(program, PtxTarget.DEFAULT);
    }

    /** Why kernel {@code index} of {@code program} cannot be compiled yet, or empty when it can. */
    public static java.util.Optional<String> unsupported(KernelProgram program, int index) {
        if (program.kernels().get(index) instanceof Kernel.Control c) {
            for (KernelProgram region : c.regions()) {
                for (int k = 0; k < region.kernels().size(); k++) {
                    java.util.Optional<String> reason = unsupported(region, k);
                    if (reason.isPresent()) {
                        return reason;
                    }
                }
            }
            return java.util.Optional.empty();
        }
        try {
            new PtxKernelWriter(asLoops(program), index, new ArrayList<>(), true).write();
            return java.util.Optional.empty();
        } catch (UnsupportedKernelException e) {
            return java.util.Optional.of(e.getMessage());
        }
    }

    public static CudaCode module(KernelProgram original, PtxTarget target) {
        return module(original, target, true);
    }

    /**
     * As {@link #module(KernelProgram, PtxTarget)}; where {@code exact} is false, matmuls and
     * convolutions of float32 or float16 operands sum their products in float32 with fused
     * multiply-adds (float64 ones with float64 fused multiply-adds), as the CPU's default mode does,
     * instead of rounding each product and each sum in the reference's float64.
     */
    public static CudaCode module(KernelProgram original, PtxTarget target, boolean exact) {
        KernelProgram program = asLoops(original);
        List<String> errors = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        sb.append("// Jitflow kernel program @").append(program.name()).append('\n');
        sb.append(".version ").append(target.isaVersion()).append('\n');
        sb.append(".target ").append(target.architecture()).append('\n');
        sb.append(".address_size 64\n");
        List<CudaCode> regions = new ArrayList<>();
        for (int i = 0; i < program.kernels().size(); i++) {
            if (program.kernels().get(i) instanceof Kernel.Control c) {
                // The host runs it; each region is a module of its own.
                c.regions().forEach(r -> regions.add(module(r, target, exact)));
                continue;
            }
            sb.append('\n').append(new PtxKernelWriter(program, i, errors, exact).write());
        }
        return new CudaCode(sb.toString(), errors, LaunchPlan.launches(program), regions);
    }

    /**
     * The program with each depthwise convolution and pooling kernel as its loop: a reduction
     * over the window per output point.
     */
    private static KernelProgram asLoops(KernelProgram program) {
        return program.withKernels(program.kernels().stream().map(k -> k instanceof Kernel.Depthwise
                || k instanceof Kernel.Pool || k instanceof Kernel.PoolArgmax || k instanceof Kernel.PoolGrad
                ? ((Kernel.Windowed) k).loop() : k).toList());
    }
}
