package io.jitflow.text;

import io.jitflow.ir.IrException;

/** External tensor data that cannot be read as declared. */
public class SidecarException extends IrException {
    public SidecarException(String message) {
        super(message);
    }
}
