package io.jitflow.ir.npy;

import io.jitflow.ir.IrException;

/** An NPY file that cannot be read, or a tensor that cannot be written as one. */
public class NpyFormatException extends IrException {
    public NpyFormatException(String message) {
        super(message);
    }
}
