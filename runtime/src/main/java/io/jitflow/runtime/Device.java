package io.jitflow.runtime;

import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaDevice;

/**
 * Where tensors live and programs run: the CPU (generated JVM bytecode) or a CUDA GPU (generated
 * PTX). Written {@code cpu} or {@code cuda:N}.
 */
public record Device(Kind kind, int ordinal) {
    public enum Kind { CPU, CUDA }

    private static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == Kind.CPU && ordinal != 0) {
            throw new IllegalArgumentException("the CPU is device cpu, not cpu:" + ordinal);
        }
    }

    public static Device cpu() {
        return CPU;
    }

    /**
     * CUDA device {@code ordinal}; throws {@link io.jitflow.runtime.cuda.CudaUnavailableException}
     * naming the reason when it cannot be used (no driver, no GPU, no such ordinal).
     */
    public static Device cuda(int ordinal) {
        Cuda.device(ordinal);
        return new Device(Kind.CUDA, ordinal);
    }

    /** The first CUDA device when one can be used, otherwise the CPU. */
    public static Device best() {
        return Cuda.isAvailable() ? cuda(0) : CPU;
    }

    /** Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. */
    public static Device parse(String text) {
        if (text.equals("cpu")) {
            return CPU;
        }
        if (text.equals("cuda")) {
            return cuda(0);
        }
        if (text.matches("cuda:\\d{1,4}")) {
            return cuda(Integer.parseInt(text.substring("cuda:".length())));
        }
        throw new IllegalArgumentException("unknown device '" + text + "' (expected cpu, cuda or cuda:N)");
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /**
     * Waits until the work queued on this device is done (on the CPU there is none). A compiled
     * call already waits for its own kernels before it returns; this is for timing, and for work
     * that other libraries queued in the same CUDA context.
     */
    public void synchronize() {
        if (isCuda()) {
            cudaDevice().synchronize();
        }
    }

    /** The CUDA device behind this one. */
    public CudaDevice cudaDevice() {
        if (!isCuda()) {
            throw new IllegalStateException("device " + this + " is not a CUDA device");
        }
        return Cuda.device(ordinal);
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + ordinal;
    }
}
