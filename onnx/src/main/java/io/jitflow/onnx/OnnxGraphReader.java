package io.jitflow.onnx;

import io.jitflow.ir.Graph;
import io.jitflow.ir.GraphReader;
import java.nio.file.Path;

/** Reads {@code .onnx} files wherever graph files are read (registered as a {@link GraphReader} service). */
public final class OnnxGraphReader implements GraphReader {
    @Override
    public String extension() {
        return ".onnx";
    }

    @Override
    public Graph read(Path file) {
        return Onnx.read(file);
    }
}
