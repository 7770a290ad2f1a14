package io.jitflow.tests;

import io.jitflow.runtime.cuda.CudaCode;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.npy.Npy;
import io.jitflow.runtime.CompiledProgram;
import io.jitflow.runtime.ProgramExecutable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes every case the CUDA backend supports ({@link PtxCases}) as a folder for
 * {@code tools/ptx-gpu-check}: the PTX, each buffer's contents before the kernels run and after
 * the PTX interpreter ran them, and the launches on the grid the interpreter used. Run on a machine
 * with a GPU, the checker then compares the GPU's results with the interpreter's bit for bit.
 */
public final class DumpPtxCases {
    private DumpPtxCases() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int[] written = {0};
        for (PtxCases.PtxCase c : PtxCases.all().supported()) {
            if (c.module().launches().stream().anyMatch(CudaCode.Launch::onHost)) {
                continue; // control flow runs its regions' modules from the host; the checker runs one module
            }
            KernelProgram program = c.program();
            String ptx = c.ptx();
            Path dir = out.resolve(String.format("case%03d", written[0]++));
            CompiledProgram dump = (buffers, sizes) -> {
                try {
                    Files.createDirectories(dir);
                    Files.writeString(dir.resolve("module.ptx"), ptx);
                    StringBuilder launch = new StringBuilder("# " + c.name() + "\n");
                    for (int i = 0; i < buffers.length; i++) {
                        byte[] data = bytes(buffers[i]);
                        launch.append("buffer ").append(i).append(' ').append(program.buffers().get(i).type().dtype())
                                .append(' ').append(data.length);
                        int first = firstWithStorage(buffers, i);
                        if (first < i) {
                            launch.append(" alias ").append(first); // planned to share storage: one device allocation
                        }
                        launch.append('\n');
                        Files.write(dir.resolve("in_" + i + ".bin"), data);
                    }
                    launch.append("sizes");
                    for (int s : sizes) {
                        launch.append(' ').append(s);
                    }
                    launch.append('\n');
                    PtxExecution interpreter = new PtxExecution(program, c.module());
                    for (CudaCode.Launch k : c.module().launches()) {
                        launch.append("kernel ").append(k.entry()).append(' ').append(k.count(program.symbols(), sizes))
                                .append(' ').append(PtxExecution.BLOCKS).append(' ').append(interpreter.threads(k.entry()));
                        k.buffers().forEach(id -> launch.append(' ').append(id));
                        launch.append('\n');
                    }
                    Files.writeString(dir.resolve("launch.txt"), launch);
                    interpreter.run(buffers, sizes);
                    for (int i = 0; i < buffers.length; i++) {
                        Files.write(dir.resolve("expected_" + i + ".bin"), bytes(buffers[i]));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            try {
                new ProgramExecutable(program, dump).run(c.inputs(), VariableStore.initialValues(c.graph()));
            } catch (EvaluationException e) {
                // A case whose inputs make it fail (a zero divisor, say) has no results to compare.
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
                written[0]--;
            }
        }
        System.out.println(written[0] + " cases written to " + out);
    }

    /** The first buffer whose storage is buffer {@code i}'s (the buffer planner lets buffers share arrays). */
    private static int firstWithStorage(Object[] buffers, int i) {
        int first = 0;
        while (buffers[first] != buffers[i]) {
            first++;
        }
        return first;
    }

    /** A buffer's contents in device layout: little-endian elements, bool and uint8 as bytes. */
    private static byte[] bytes(Object array) {
        io.jitflow.ir.HostTensor t = io.jitflow.ir.HostTensor.wrap(dtypeOf(array), new int[] {java.lang.reflect.Array.getLength(array)},
                array);
        byte[] npy = Npy.toBytes(t);
        int header = npy.length - t.size() * t.dtype().byteSize();
        return java.util.Arrays.copyOfRange(npy, header, npy.length);
    }

    private static io.jitflow.ir.DType dtypeOf(Object array) {
        if (array instanceof boolean[]) {
            return io.jitflow.ir.DType.BOOL;
        } else if (array instanceof byte[]) {
            return io.jitflow.ir.DType.UINT8;
        } else if (array instanceof int[]) {
            return io.jitflow.ir.DType.INT32;
        } else if (array instanceof long[]) {
            return io.jitflow.ir.DType.INT64;
        } else if (array instanceof float[]) {
            return io.jitflow.ir.DType.FLOAT32;
        } else if (array instanceof short[]) {
            return io.jitflow.ir.DType.FLOAT16;
        }
        return io.jitflow.ir.DType.FLOAT64;
    }
}
