package io.jitflow.compiler;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.PtxTarget;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Executable;
import io.jitflow.runtime.cuda.CudaExecutable;
import java.util.Optional;

/** PTX and its launch plan, loaded through the CUDA driver; kernels it cannot compile yet are refused by name. */
final class CudaBackend implements Backend {
    static final CudaBackend INSTANCE = new CudaBackend();

    private CudaBackend() {
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Optional<String> unsupported(KernelProgram program, int index) {
        return PtxGenerator.unsupported(program, index);
    }

    @Override
    public Executable compile(KernelProgram program, CompileOptions options) {
        // The device first: without a GPU, that is the error to report.
        io.jitflow.runtime.cuda.CudaDevice gpu = options.device().cudaDevice();
        return new CudaExecutable(program, PtxGenerator.module(program, PtxTarget.DEFAULT, options.exact()), gpu);
    }
}
