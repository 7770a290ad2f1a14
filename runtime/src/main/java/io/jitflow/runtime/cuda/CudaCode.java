package io.jitflow.runtime.cuda;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.List;

/**
 * What the CUDA backend hands the runtime for one kernel program: the PTX module, the run-time
 * errors its kernels can report (a kernel that fails stores {@code 1 + index} into its status word)
 * and the launch plan, one launch per kernel in order; a control-flow kernel's launch is the host's
 * ({@link Launch#onHost}), and its regions' code is in {@code regions}, in kernel order. The
 * runtime executes this as data; how the plan was chosen is the backend's business.
 */
public record CudaCode(String ptx, List<String> errors, List<Launch> launches, List<CudaCode> regions) {
    public CudaCode {
        errors = List.copyOf(errors);
        launches = List.copyOf(launches);
        regions = List.copyOf(regions);
    }

    /** The code of a program without control flow. */
    public CudaCode(String ptx, List<String> errors, List<Launch> launches) {
        this(ptx, errors, launches, List.of());
    }

    /**
     * One kernel's launch: its entry, the shape of its output points (whose symbolic dims are
     * resolved per run), whether a whole block computes each point rather than one thread, and the
     * ids of the buffers whose addresses its {@code buffers} parameter holds, in order.
     */
    public record Launch(String entry, Shape points, boolean perBlock, List<Integer> buffers) {
        /** A control-flow kernel's place in the plan: the host runs it, with its regions' code. */
        public static final Launch HOST = new Launch(null, Shape.scalar(), false, List.of());

        public Launch {
            buffers = List.copyOf(buffers);
        }

        public boolean onHost() {
            return entry == null;
        }

        /** The number of points, {@code sizes} giving the program's {@code symbols} in order. */
        public long count(List<String> symbols, int[] sizes) {
            long count = 1;
            for (Dim dim : points.dims()) {
                count *= dim.isStatic() ? dim.size() : sizes[symbols.indexOf(dim.toString())];
            }
            return count;
        }
    }
}
