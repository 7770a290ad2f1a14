package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.input;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The window ops (constants computed at import) at the sizes ONNX's node cases leave out, and
 * CumSum and CumProd on values where a product by a 0/1 mask would go wrong.
 */
class OnnxWindowAndCumulativeTest {
    @TempDir
    Path dir;

    @Test
    void windowsFollowTheirCosineSums() throws IOException {
        assertArrayEquals(new float[] {0, 0.5f, 1, 0.5f}, window("HannWindow", 4, 1), 1e-7f);
        assertArrayEquals(new float[] {0, 0.34f, 1, 0.34f}, window("BlackmanWindow", 4, 1), 1e-7f);
        float edge = 4f / 46;
        assertArrayEquals(new float[] {edge, 1, edge}, window("HammingWindow", 3, 0), 1e-7f);
        // A symmetric window of one value is 1 (its period, size - 1, is 0), as PyTorch's.
        assertArrayEquals(new float[] {1}, window("HannWindow", 1, 0));
        assertArrayEquals(new float[0], window("HannWindow", 0, 1));
        OnnxException e = org.junit.jupiter.api.Assertions.assertThrows(OnnxException.class,
                () -> window("HannWindow", -2, 1));
        assertTrue(e.getMessage().endsWith("node 'f' (HannWindow #0, opset 18): size must be between 0 and 16777216, "
                + "got -2"), e.getMessage());
    }

    @Test
    void cumulativeSumsAndProductsLeaveEarlierValuesAlone() throws IOException {
        float[] x = {1, Float.POSITIVE_INFINITY, Float.NaN, 2};
        assertArrayEquals(new float[] {1, Float.POSITIVE_INFINITY, Float.NaN, Float.NaN}, cumulative("CumSum", x, 0, 0));
        assertArrayEquals(new float[] {Float.NaN, Float.NaN, 2, 0}, cumulative("CumSum", x, 1, 1));
        assertArrayEquals(new float[] {1, 2, 6, 24}, cumulative("CumProd", new float[] {1, 2, 3, 4}, 0, 0));
        assertArrayEquals(new float[] {24, 12, 4, 1}, cumulative("CumProd", new float[] {1, 2, 3, 4}, 1, 1));
        assertArrayEquals(new float[] {1, 1, 2, 6}, cumulative("CumProd", new float[] {1, 2, 3, 4}, 1, 0));
    }

    private float[] window(String op, long size, long periodic) throws IOException {
        TensorProto sizeTensor = TensorProto.newBuilder().setName("n").setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(size).build();
        NodeProto node = TestModels.node(op, "f", "y", "n").toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("periodic").setType(AttributeProto.AttributeType.INT).setI(periodic)).build();
        Path model = TestModels.write(dir.resolve(op + size + ".onnx"), GraphProto.newBuilder()
                .addInitializer(sizeTensor).addOutput(input("y", Math.max(0, size))).addNode(node));
        return run(Onnx.read(model), Map.of());
    }

    private float[] cumulative(String op, float[] x, long exclusive, long reverse) throws IOException {
        TensorProto axis = TensorProto.newBuilder().setName("a").setDataType(TensorProto.DataType.INT64_VALUE)
                .addInt64Data(0).build();
        NodeProto node = TestModels.node(op, "f", "y", "x", "a").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("exclusive").setType(AttributeProto.AttributeType.INT)
                        .setI(exclusive))
                .addAttribute(AttributeProto.newBuilder().setName("reverse").setType(AttributeProto.AttributeType.INT)
                        .setI(reverse)).build();
        Path model = TestModels.write(dir.resolve(op + exclusive + reverse + ".onnx"), GraphProto.newBuilder()
                .addInput(input("x", x.length)).addInitializer(axis).addOutput(input("y", x.length)).addNode(node));
        return run(Onnx.read(model), Map.of("x", HostTensor.of(x, x.length)));
    }

    private static float[] run(Graph g, Map<String, HostTensor> inputs) {
        return Interpreter.run(g.functions().get(0), inputs, new VariableStore()).get("y").toFloatArray();
    }
}
