package io.jitflow.ir;

/** A run-time error such as integer division by zero or an index out of range. */
public class EvaluationException extends IrException {
    public EvaluationException(String message) {
        super(message);
    }
}
