package io.jitflow.ir;

/** A graph breaks a rule of the IR; the message names the function, node, op and location. */
public class VerificationException extends IrException {
    private final SourceLocation location;

    public VerificationException(String message, SourceLocation location) {
        super(location == null ? message : location + ": " + message);
        this.location = location;
    }

    /** Where the offending node was written, or {@code null} for a graph built in memory. */
    public SourceLocation location() {
        return location;
    }
}
