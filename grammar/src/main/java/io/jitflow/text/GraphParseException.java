package io.jitflow.text;

import io.jitflow.ir.IrException;
import io.jitflow.ir.SourceLocation;

/** A graph file that cannot be read: the message starts with file:line:column. */
public class GraphParseException extends IrException {
    /** Words of the file quoted in a message are cut to this many characters. */
    static final int MAX_QUOTED = 200;

    private final SourceLocation location;

    public GraphParseException(SourceLocation location, String message) {
        super(location + ": " + readable(message));
        this.location = location;
    }

    public SourceLocation location() {
        return location;
    }

    /**
     * The message with control characters escaped and every run of more than {@link #MAX_QUOTED}
     * characters without a space cut (a 10 MB identifier is not echoed whole).
     */
    static String readable(String message) {
        StringBuilder sb = new StringBuilder();
        int run = 0;
        int skipped = 0;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            run = c == ' ' || c == '\n' ? 0 : run + 1;
            if (run > MAX_QUOTED) {
                skipped++;
                continue;
            }
            if (skipped > 0) {
                sb.append("...(").append(skipped).append(" more characters)");
                skipped = 0;
            }
            if (c < 0x20 && c != '\n' || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (skipped > 0) {
            sb.append("...(").append(skipped).append(" more characters)");
        }
        return sb.toString();
    }
}
