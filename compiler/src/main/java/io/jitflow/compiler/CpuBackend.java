package io.jitflow.compiler;

import io.jitflow.cpu.CpuCodeOptions;
import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Executable;
import io.jitflow.runtime.ProgramExecutable;
import java.util.Optional;

/** JVM bytecode, generated with ASM and loaded as a hidden class; it compiles every kind of kernel. */
final class CpuBackend implements Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Optional<String> unsupported(KernelProgram program, int index) {
        return Optional.empty();
    }

    @Override
    public Executable compile(KernelProgram program, CompileOptions options) {
        return new ProgramExecutable(program, CpuCompiler.compile(program, codeOptions(options)), options.threads());
    }

    /** The class file of a program, under {@code className} (for ahead-of-time jars). */
    static byte[] classFile(KernelProgram program, CompileOptions options, String className) {
        return CpuCompiler.generate(program, codeOptions(options), className);
    }

    static CpuCodeOptions codeOptions(CompileOptions options) {
        return new CpuCodeOptions(options.exact(), options.vectorize());
    }
}
