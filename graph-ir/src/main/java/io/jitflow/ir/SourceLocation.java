package io.jitflow.ir;

/** Where a node was written: a file (or other source name), a 1-based line and a 1-based column. */
public record SourceLocation(String file, int line, int column) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
