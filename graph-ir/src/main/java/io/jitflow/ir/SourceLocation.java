package io.jitflow.ir;

/**
 * Where a node was written: a file (or other source name), a 1-based line and a 1-based column
 * (0 when only the line is known, as for nodes traced from Java code).
 */
public record SourceLocation(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + (column > 0 ? ":" + column : "");
    }
}
