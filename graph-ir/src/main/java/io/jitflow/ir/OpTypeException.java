package io.jitflow.ir;

/**
 * An op's operands or attributes do not fit it. The message names the op, what it got and what it
 * expected; callers that know the node and function add them.
 */
public class OpTypeException extends IrException {
    public OpTypeException(String message) {
        super(message);
    }
}
