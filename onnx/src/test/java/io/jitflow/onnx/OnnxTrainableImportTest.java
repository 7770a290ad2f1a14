package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.floats;
import static io.jitflow.onnx.TestModels.input;
import static io.jitflow.onnx.TestModels.node;
import static io.jitflow.onnx.TestModels.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Variable;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Initializers chosen by name become trainable variables holding their values; the others stay constants. */
class OnnxTrainableImportTest {
    @TempDir
    Path dir;

    /** y = reshape(x @ W + B, cast(shape)) with x float32[2, 3]; the float initializer 'shape' decides y's shape. */
    private Path model() throws IOException {
        NodeProto cast = node("Cast", "cast", "shape_i", "shape").toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("to").setType(AttributeProto.AttributeType.INT).setI(7)).build();
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(input("x", 2, 3)).addOutput(input("y", 4))
                .addInitializer(floats("W", raw(1, 2, 3, 4, 5, 6), 3, 2))
                .addInitializer(floats("B", raw(0.5f, -0.5f), 2))
                .addInitializer(floats("shape", raw(4), 1))
                .addNode(node("MatMul", "mm", "m", "x", "W")).addNode(node("Add", "add", "a", "m", "B"))
                .addNode(cast).addNode(node("Reshape", "reshape", "y", "a", "shape_i"));
        return TestModels.write(dir.resolve("dense.onnx"), g);
    }

    private static HostTensor run(Graph g) {
        return Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(new float[] {1, 0, -1, 2, 1, 0}, 2, 3)),
                VariableStore.initialValues(g)).get("y");
    }

    @Test
    void chosenFloatInitializersBecomeVariablesAndComputeTheSame() throws IOException {
        Path p = model();
        assertEquals(List.of("W", "B", "shape"), Onnx.initializers(p));
        Graph frozen = Onnx.read(p);
        assertEquals(List.of(), frozen.variables());
        Graph all = Onnx.read(p, name -> true);
        assertEquals(List.of("W", "B"), all.variables().stream().map(Variable::name).toList(),
                "'shape' decides a shape, so it stays a constant");
        Variable w = all.variables().get(0);
        assertEquals(true, w.trainable());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.initialValue().toFloatArray());
        assertEquals("float32[3, 2]", w.type().toString());
        long reads = all.functions().get(0).nodes().stream().map(Node::op).filter(op -> op == Op.READ_VARIABLE).count();
        assertEquals(2, reads);
        assertArrayEquals(new float[] {-3.5f, -4.5f, 5.5f, 7.5f}, run(all).toFloatArray());
        assertArrayEquals(run(frozen).toFloatArray(), run(all).toFloatArray());
        Graph head = Onnx.read(p, name -> name.equals("B"));
        assertEquals(List.of("B"), head.variables().stream().map(Variable::name).toList());
    }
}
