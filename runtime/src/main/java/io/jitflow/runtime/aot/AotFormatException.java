package io.jitflow.runtime.aot;

import io.jitflow.ir.IrException;

/** An AOT jar that this runtime cannot read: not one of ours, another format version, or damaged. */
public final class AotFormatException extends IrException {
    public AotFormatException(String message) {
        super(message);
    }
}
