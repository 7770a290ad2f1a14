package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import io.jitflow.onnx.proto.OnnxProto.TensorShapeProto;
import io.jitflow.onnx.proto.OnnxProto.TypeProto;
import io.jitflow.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dynamic batch as exporters write it: Shape, Gather and Concat build a Reshape's target from the
 * input's symbolic dim, which passes through as that dim; computing with it is refused, named.
 */
class OnnxSymbolicShapeTest {
    @TempDir
    Path dir;

    private static ValueInfoProto batchOf(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static TensorProto longs(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    /** y = reshape(x, concat(unsqueeze(shape(x)[0]), [-1])) + ones(shape(y)), as torch.flatten(x, 1) + 1 exports. */
    private GraphProto.Builder flatten(String combine) {
        return GraphProto.newBuilder().setName("g").addInput(batchOf("x", 2, 3)).addOutput(batchOf("y", 6))
                .addInitializer(longs("zero", 0)).addInitializer(longs("minus_one", -1))
                .addNode(node("Shape", "shape", "s", "x"))
                .addNode(node("Gather", "batch", "b", "s", "zero"))
                .addNode(node(combine, "combine", "target", "b", "minus_one").toBuilder().addAttribute(
                        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0))
                        .build())
                .addNode(node("Reshape", "flat", "f", "x", "target"))
                .addNode(node("Shape", "shape2", "s2", "f"))
                .addNode(node("ConstantOfShape", "ones", "o", "s2").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(TestModels.floats("one",
                                TestModels.raw(1), 1))).build())
                .addNode(node("Add", "add", "y", "f", "o"));
    }

    @Test
    void aSymbolicBatchPassesThroughShapeComputations() throws IOException {
        Graph g = Onnx.read(TestModels.write(dir.resolve("flatten.onnx"), flatten("Concat")));
        Function main = g.functions().get(0);
        assertEquals("float32[N, 6]", main.outputs().get(0).value().type().toString());
        for (int batch : new int[] {1, 3}) {
            float[] x = new float[batch * 6];
            for (int i = 0; i < x.length; i++) {
                x[i] = i;
            }
            HostTensor y = Interpreter.run(main, Map.of("x", HostTensor.of(x, batch, 2, 3)), new VariableStore()).get("y");
            assertArrayEquals(new int[] {batch, 6}, y.shape());
            assertEquals(x.length, y.toFloatArray()[x.length - 1]);
        }
    }

    @Test
    void computingWithASymbolicDimIsRefusedByName() throws IOException {
        OnnxException e = assertThrows(OnnxException.class,
                () -> Onnx.read(TestModels.write(dir.resolve("mul.onnx"), flatten("Mul"))));
        assertTrue(e.getMessage().contains("node 'combine' (Mul #2, opset 18): mul computes with the symbolic"
                + " dim(s) [N] of a shape"), e.getMessage());
    }
}
