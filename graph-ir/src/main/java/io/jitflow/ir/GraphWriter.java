package io.jitflow.ir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A file format graphs are written to besides the text format, found by file name extension through
 * {@link ServiceLoader}: the onnx module provides {@code .onnx}, so whatever writes graph files
 * ({@code JitFunction.writeGraph}, Keras's {@code save}) writes ONNX for a {@code .onnx} path.
 */
public interface GraphWriter {
    /** The file name extension handled, with its dot and in lower case, e.g. {@code ".onnx"}. */
    String extension();

    /** Writes the graph's only function, its variables holding their initial values. */
    void write(Graph graph, Path file) throws IOException;

    /** The writer on the class path for this file's extension, if any. */
    static Optional<GraphWriter> forFile(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (GraphWriter w : ServiceLoader.load(GraphWriter.class, GraphWriter.class.getClassLoader())) {
            if (name.endsWith(w.extension())) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }
}
