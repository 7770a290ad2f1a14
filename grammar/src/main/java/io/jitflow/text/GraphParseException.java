package io.jitflow.text;

import io.jitflow.ir.IrException;
import io.jitflow.ir.SourceLocation;

/** A graph file that cannot be read: the message starts with file:line:column. */
public class GraphParseException extends IrException {
    private final SourceLocation location;

    public GraphParseException(SourceLocation location, String message) {
        super(location + ": " + message);
        this.location = location;
    }

    public SourceLocation location() {
        return location;
    }
}
