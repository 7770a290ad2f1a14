package io.jitflow.tests;

import io.jitflow.runtime.cuda.CudaCode;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.CompiledProgram;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kernel program's PTX run by the {@link PtxInterpreter} in place of a GPU, behind the same
 * interface generated CPU code implements: the buffers are copied to simulated device memory, each
 * launch passes its buffers' addresses and the sizes as the CUDA backend's entries expect, every kernel is
 * launched on a small grid (two blocks of 32 threads, so the grid-stride loops wrap, or of the
 * block size an entry requires) and its
 * status word checked (a reported error is thrown as the CPU backend throws it), and the buffers
 * are copied back. A control-flow kernel runs as the runtime's host loop ({@code ControlKernel}) over
 * its regions' PTX, each run by an execution of its own, with the buffers copied out around it.
 */
final class PtxExecution implements CompiledProgram {
    /** The blocks every kernel is launched on (few, so that grid-stride loops wrap). */
    static final int BLOCKS = 2;
    private static final int THREADS = 32;

    private final KernelProgram program;
    private final PtxInterpreter ptx;
    private final List<String> errors;
    private final List<CudaCode.Launch> launches;
    /** The control-flow kernels in order, their regions run on the interpreter too. */
    private final List<CompiledProgram> controls = new java.util.ArrayList<>();

    PtxExecution(KernelProgram program, CudaCode module) {
        this.program = program;
        this.ptx = new PtxInterpreter(module.ptx());
        this.errors = module.errors();
        this.launches = module.launches();
        int region = 0;
        for (io.jitflow.ir.kernel.Kernel.Control c : program.controlKernels()) {
            List<io.jitflow.runtime.ProgramExecutable> regions = new java.util.ArrayList<>();
            for (KernelProgram r : c.regions()) {
                regions.add(new io.jitflow.runtime.ProgramExecutable(r, new PtxExecution(r, module.regions().get(region++))));
            }
            controls.add(new io.jitflow.runtime.ControlKernel(c, regions, program.symbols()));
        }
    }

    @Override
    public void run(Object[] buffers, int[] sizes) {
        PtxInterpreter.Memory memory = new PtxInterpreter.Memory();
        Map<Object, Long> placed = new IdentityHashMap<>();
        long[] addresses = new long[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addresses[i] = placed.computeIfAbsent(buffers[i], a -> copyIn(a, memory));
        }
        byte[] sizeValues = PtxInterpreter.bytes(4, java.util.Arrays.stream(sizes).asLongStream().toArray());
        long status = memory.allocate(4);
        int control = 0;
        for (int k = 0; k < program.kernels().size(); k++) {
            CudaCode.Launch launch = launches.get(k);
            if (launch.onHost()) {
                placed.forEach((array, address) -> copyOut(memory.buffer(address), array));
                controls.get(control++).run(buffers, sizes);
                placed.forEach((array, address) -> write(array, memory.buffer(address)));
                continue;
            }
            long[] slots = launch.buffers().stream().mapToLong(id -> addresses[id]).toArray();
            ptx.launch(launch.entry(), new byte[][] {PtxInterpreter.bytes(8, slots), sizeValues,
                    PtxInterpreter.bytes(4, launch.count(program.symbols(), sizes)), PtxInterpreter.bytes(8, status)},
                    BLOCKS, threads(launch.entry()), memory);
            int code = memory.buffer(status).getInt(0);
            if (code != 0) {
                throw new EvaluationException(errors.get(code - 1));
            }
        }
        placed.forEach((array, address) -> copyOut(memory.buffer(address), array));
    }

    /** The entry's required block size (.reqntid), otherwise a small block, so that grid-stride loops wrap. */
    int threads(String entry) {
        int required = ptx.entry(entry).requiredThreads();
        return required != 0 ? required : THREADS;
    }

    private static long copyIn(Object array, PtxInterpreter.Memory memory) {
        long address = memory.allocate(Array.getLength(array) * elementSize(array));
        write(array, memory.buffer(address));
        return address;
    }

    private static void write(Object array, ByteBuffer b) {
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (array instanceof boolean[] a) {
                b.put((byte) (a[i] ? 1 : 0));
            } else if (array instanceof byte[] a) {
                b.put(a[i]);
            } else if (array instanceof short[] a) {
                b.putShort(a[i]);
            } else if (array instanceof int[] a) {
                b.putInt(a[i]);
            } else if (array instanceof long[] a) {
                b.putLong(a[i]);
            } else if (array instanceof float[] a) {
                b.putFloat(a[i]);
            } else if (array instanceof double[] a) {
                b.putDouble(a[i]);
            }
        }
    }

    private static void copyOut(ByteBuffer b, Object array) {
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (array instanceof boolean[] a) {
                a[i] = b.get() != 0;
            } else if (array instanceof byte[] a) {
                a[i] = b.get();
            } else if (array instanceof short[] a) {
                a[i] = b.getShort();
            } else if (array instanceof int[] a) {
                a[i] = b.getInt();
            } else if (array instanceof long[] a) {
                a[i] = b.getLong();
            } else if (array instanceof float[] a) {
                a[i] = b.getFloat();
            } else if (array instanceof double[] a) {
                a[i] = b.getDouble();
            }
        }
    }

    private static int elementSize(Object array) {
        if (array instanceof boolean[] || array instanceof byte[]) {
            return 1;
        }
        if (array instanceof short[]) {
            return 2;
        }
        if (array instanceof int[] || array instanceof float[]) {
            return 4;
        }
        if (array instanceof long[] || array instanceof double[]) {
            return 8;
        }
        throw new IllegalArgumentException("the CUDA backend has no device layout for " + array.getClass().getSimpleName());
    }
}
