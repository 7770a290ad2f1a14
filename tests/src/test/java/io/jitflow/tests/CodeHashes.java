package io.jitflow.tests;

import io.jitflow.cpu.CpuCodeOptions;
import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.kernel.KernelProgram;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Prints, for every program the CUDA backend is checked on ({@link PtxCases}), a hash of its kernel
 * program, its PTX and its JVM class (exact and fast). Run before and after a change to the
 * compiler that should not change generated code, and compare the two listings.
 */
public final class CodeHashes {
    private CodeHashes() {
    }

    public static void main(String[] args) {
        for (PtxCases.PtxCase c : PtxCases.all().supported()) {
            KernelProgram program = c.program();
            System.out.println(c.name() + " program=" + hash(program.toString().getBytes()) + " ptx="
                    + hash(c.ptx().getBytes()) + " class=" + hash(CpuCompiler.generate(program, CpuCodeOptions.EXACT)) + " vclass="
                    + hash(CpuCompiler.generate(program, CpuCodeOptions.FAST)));
        }
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
