package io.jitflow.cuda;

import io.jitflow.ir.IrException;

/** A kernel the CUDA backend cannot compile yet; the message names the kernel and what it lacks. */
public final class UnsupportedKernelException extends IrException {
    public UnsupportedKernelException(String message) {
        super(message);
    }
}
