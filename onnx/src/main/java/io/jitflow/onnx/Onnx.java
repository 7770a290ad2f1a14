package io.jitflow.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.proto.OnnxProto.ModelProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * ONNX models in and out of graph-ir.
 *
 * <pre>{@code
 * Graph g = Onnx.read(Path.of("model.onnx"));        // one function, "main"
 * Onnx.write(g, Path.of("copy.onnx"));
 * }</pre>
 *
 * Imported graphs hold the model's initializers as constants (or, on request, as trainable variables); inputs keep their ONNX names (with
 * characters outside {@code [A-Za-z0-9_./]} replaced by {@code _}) and {@code dim_param}s become
 * symbolic dims. Jitflow compiles for static shapes, so a model input that decides a shape (the
 * shape of a Reshape, the starts of a Slice) must be bound to a value when the model is read.
 */
public final class Onnx {
    /** The name of the function an imported model becomes. */
    public static final String FUNCTION_NAME = "main";

    private Onnx() {
    }

    public static Graph read(Path path) {
        return read(path, Map.of());
    }

    /** Reads a model with some inputs fixed to values: they leave the function's inputs and fold into it. */
    public static Graph read(Path path, Map<String, HostTensor> boundInputs) {
        return read(path, boundInputs, name -> false);
    }

    /**
     * Reads a model whose floating-point initializers named by {@code trainable} become trainable
     * variables of the graph (holding the initializers' values), so that the model can be fine-tuned:
     * {@code Onnx.read(path, name -> name.startsWith("head"))}. Initializers that decide a shape stay
     * constants.
     */
    public static Graph read(Path path, Predicate<String> trainable) {
        return read(path, Map.of(), trainable);
    }

    public static Graph read(Path path, Map<String, HostTensor> boundInputs, Predicate<String> trainable) {
        Path folder = path.toAbsolutePath().getParent();
        return OnnxImporter.importModel(parseModel(path), path.toString(), folder, boundInputs, trainable);
    }

    /** The names of a model's initializers, in file order: what {@link #read(Path, Predicate)} chooses from. */
    public static List<String> initializers(Path path) {
        return parseModel(path).getGraph().getInitializerList().stream().map(TensorProto::getName).toList();
    }

    /**
     * The model inputs that decide a result's shape (a Reshape's shape, a Slice's starts, ...), in
     * the order the walk finds them: {@link #read(Path, Map)} needs their values.
     */
    public static java.util.Set<String> shapeInputs(Path path) {
        ModelProto model = parseModel(path);
        java.util.Set<String> initializers = new java.util.HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        return OnnxImporter.inputsThatDecideShapes(model.getGraph(), initializers);
    }

    /** Writes a graph's only function as an ONNX model; variables are written with their initial values. */
    public static void write(Graph graph, Path path) {
        if (graph.functions().size() != 1) {
            throw new OnnxException("the graph has " + graph.functions().size() + " functions; name the one to write");
        }
        write(graph, graph.functions().get(0).name(), VariableStore.initialValues(graph), path);
    }

    /**
     * Writes function {@code function} as an ONNX model, its variables as initializers holding their
     * values in {@code variables}. The file is written beside and moved into place, so a reader (or a
     * crash) never sees half a model.
     */
    public static void write(Graph graph, String function, VariableStore variables, Path path) {
        ModelProto model = OnnxExporter.export(graph, function, variables);
        Path target = path.toAbsolutePath();
        Path temp = null;
        try {
            temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                model.writeTo(out);
            }
            Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new OnnxException(path + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write failed already; that error is the one to report
                }
            }
        }
    }

    /** The default-domain opset that {@link #write} writes. */
    public static int exportOpset() {
        return OnnxExporter.OPSET;
    }

    /** The ONNX op types (default domain) that import, sorted. */
    public static List<String> supportedOps() {
        return OnnxOps.supported();
    }

    /** Reads a serialized TensorProto, as ONNX's test data stores inputs and outputs. */
    public static HostTensor readTensor(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return TensorProtos.read(TensorProto.parseFrom(in), path.toAbsolutePath().getParent(), path.toString());
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(path + ": not a TensorProto (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxException(path + ": " + e.getMessage(), e);
        }
    }

    /** The name of each tensor file's TensorProto, which the node suite sets to the graph value's name. */
    public static String tensorName(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return TensorProto.parseFrom(in).getName();
        } catch (IOException e) {
            throw new OnnxException(path + ": " + e.getMessage(), e);
        }
    }

    private static ModelProto parseModel(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            return ModelProto.parseFrom(coded);
        } catch (NoSuchFileException e) {
            throw new OnnxException(path + ": no such file");
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(path + ": not a valid ONNX model (truncated or corrupt protobuf: "
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxException(path + ": " + e.getMessage(), e);
        }
    }
}
