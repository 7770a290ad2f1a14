package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.input;
import static io.jitflow.onnx.TestModels.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ScatterElements whose indices are shorter than the data along a dim other than the axis (ONNX's
 * node cases have none): the missing rows are padded with index 0 and update 0, which must
 * change nothing, whether the scatter replaces or adds.
 */
class OnnxScatterTest {
    @TempDir
    Path dir;

    private static final float[] X = {1, 2, 3, 4, 5, 6};

    @Test
    void indicesShorterThanTheDataLeaveTheOtherRowsAlone() throws IOException {
        assertArrayEquals(new float[] {1, 20, 10, 4, 5, 6}, scatter("none", new long[] {2, 1}));
        assertArrayEquals(new float[] {1, 22, 13, 4, 5, 6}, scatter("add", new long[] {2, 1}));
        // Repeated indices, whose order ONNX leaves undefined, add.
        assertArrayEquals(new float[] {1, 2, 30, 4, 5, 6}, scatter("none", new long[] {2, 2}));
    }

    /** x [2, 3] with updates [10, 20] scattered along axis 1 at row 0's columns {@code columns}. */
    private float[] scatter(String reduction, long[] columns) throws IOException {
        TensorProto.Builder indices = TensorProto.newBuilder().setName("i").setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(1).addDims(2);
        for (long column : columns) {
            indices.addInt64Data(column);
        }
        NodeProto scatter = node("ScatterElements", "s", "y", "x", "i", "u").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1))
                .addAttribute(AttributeProto.newBuilder().setName("reduction").setType(AttributeProto.AttributeType.STRING)
                        .setS(com.google.protobuf.ByteString.copyFromUtf8(reduction))).build();
        Path model = TestModels.write(dir.resolve(reduction + columns[1] + ".onnx"), GraphProto.newBuilder()
                .addInput(input("x", 2, 3)).addInput(input("u", 1, 2)).addOutput(input("y", 2, 3))
                .addInitializer(indices).addNode(scatter));
        Graph g = Onnx.read(model);
        return Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(X, 2, 3),
                "u", HostTensor.of(new float[] {10, 20}, 1, 2)), new VariableStore()).get("y").toFloatArray();
    }
}
