package io.jitflow.ir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A file format graphs are read from besides the text format, found by file name extension through
 * {@link ServiceLoader}: the onnx module provides {@code .onnx}. Whatever reads graph files (the text
 * format's reader, {@code Jit.load}, the ahead-of-time compiler, the CLI) then reads these too,
 * without depending on the module that implements them.
 */
public interface GraphReader {
    /** The file name extension handled, with its dot and in lower case, e.g. {@code ".onnx"}. */
    String extension();

    Graph read(Path file) throws IOException;

    /** The reader on the class path for this file's extension, if any. */
    static Optional<GraphReader> forFile(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        for (GraphReader r : ServiceLoader.load(GraphReader.class, GraphReader.class.getClassLoader())) {
            if (name.endsWith(r.extension())) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
