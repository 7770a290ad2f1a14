package io.jitflow.ir;

/** Base of the errors Jitflow reports about a graph or its inputs: always a message a user can act on. */
public class IrException extends RuntimeException {
    public IrException(String message) {
        super(message);
    }

    public IrException(String message, Throwable cause) {
        super(message, cause);
    }
}
