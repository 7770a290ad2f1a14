package io.jitflow.compiler;

import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.Executable;
import java.util.Optional;

/** A code generator: a kernel program to an executable for one kind of device. */
public interface Backend {
    /** {@code cpu} or {@code cuda}. */
    String name();

    /** Why this backend cannot compile kernel {@code index} of {@code program}, or empty when it can. */
    Optional<String> unsupported(KernelProgram program, int index);

    /** Generates and loads the program's code for {@code options.device()}. */
    Executable compile(KernelProgram program, CompileOptions options);

    /** The backend for a device. */
    static Backend of(Device device) {
        return device.isCuda() ? CudaBackend.INSTANCE : CpuBackend.INSTANCE;
    }
}
