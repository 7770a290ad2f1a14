package io.jitflow.onnx;

import io.jitflow.ir.IrException;

/** An ONNX file that cannot be imported or a graph that cannot be exported; the message names the file and node. */
public class OnnxException extends IrException {
    public OnnxException(String message) {
        super(message);
    }

    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
