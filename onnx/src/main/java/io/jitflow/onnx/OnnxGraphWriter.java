package io.jitflow.onnx;

import io.jitflow.ir.Graph;
import io.jitflow.ir.GraphWriter;
import java.nio.file.Path;

/** Writes {@code .onnx} files wherever graph files are written (registered as a {@link GraphWriter} service). */
public final class OnnxGraphWriter implements GraphWriter {
    @Override
    public String extension() {
        return ".onnx";
    }

    @Override
    public void write(Graph graph, Path file) {
        Onnx.write(graph, file);
    }
}
