package io.jitflow.cuda;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.cuda.CudaCode;
import java.util.ArrayList;
import java.util.List;

/** How the CUDA backend launches a program's kernels: each kernel's entry name, points and block use. */
public final class LaunchPlan {
    /** Reduced extents from this size on are reduced by a whole block per output point. */
    public static final int PER_BLOCK_EXTENT = 256;

    private LaunchPlan() {
    }

    /** The launches of a program's kernels, in order. */
    public static List<CudaCode.Launch> launches(KernelProgram program) {
        List<CudaCode.Launch> launches = new ArrayList<>();
        for (int k = 0; k < program.kernels().size(); k++) {
            Kernel kernel = program.kernels().get(k);
            if (kernel instanceof Kernel.Control) {
                launches.add(CudaCode.Launch.HOST);
                continue;
            }
            Shape space = kernel instanceof Kernel.Loop l ? l.space() : kernel.output().type().shape();
            List<Integer> reduced = kernel instanceof Kernel.Loop l ? l.reducedAxes() : List.of();
            List<Dim> kept = new ArrayList<>();
            for (int d = 0; d < space.rank(); d++) {
                if (!reduced.contains(d)) {
                    kept.add(space.dim(d));
                }
            }
            launches.add(new CudaCode.Launch(entryName(program, k), Shape.of(kept),
                    reducesPerBlock(kernel), bufferSlots(kernel)));
        }
        return launches;
    }

    /**
     * The ids of the buffers a kernel refers to, ascending: the order of the addresses in its
     * entry's {@code buffers} parameter, which the host fills per launch.
     */
    public static List<Integer> bufferSlots(Kernel kernel) {
        java.util.SortedSet<Integer> ids = new java.util.TreeSet<>();
        kernel.withBuffers(b -> {
            ids.add(b.id());
            return b;
        });
        return List.copyOf(ids);
    }

    /**
     * Whether a kernel is a reduction that reduces each output point with a whole block (a tree of warp shuffles and
     * shared memory) instead of one thread: for sum, product, max, min, any and all over a reduced
     * extent that is symbolic or at least {@link #PER_BLOCK_EXTENT}, where one thread per point
     * would leave most of the GPU idle (a full reduction has one point).
     */
    public static boolean reducesPerBlock(Kernel kernel) {
        if (!(kernel instanceof Kernel.Reduce l) || l.isArg()) {
            return false;
        }
        long extent = 1;
        for (int axis : l.reducedAxes()) {
            Dim dim = l.space().dim(axis);
            if (!dim.isStatic()) {
                return true;
            }
            extent *= dim.size();
        }
        return extent >= PER_BLOCK_EXTENT;
    }

    /** The entry name of kernel {@code index}: {@code k<index>_<first fused node>}. */
    public static String entryName(KernelProgram program, int index) {
        Kernel k = program.kernels().get(index);
        String first = k.fused().isEmpty() ? "" : k.fused().get(0).replaceAll("[^A-Za-z0-9_]", "_");
        return "k" + index + "_" + first;
    }
}
