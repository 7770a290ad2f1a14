package io.jitflow.onnx;

import com.google.protobuf.ByteString;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.ModelProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import io.jitflow.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import io.jitflow.onnx.proto.OnnxProto.TensorShapeProto;
import io.jitflow.onnx.proto.OnnxProto.TypeProto;
import io.jitflow.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Small ONNX models built in code, for the module's tests. */
final class TestModels {
    private TestModels() {
    }

    /** A float32 graph input or output of static shape. */
    static ValueInfoProto input(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    static NodeProto node(String type, String name, String output, String... inputs) {
        return NodeProto.newBuilder().setOpType(type).setName(name).addAllInput(Arrays.asList(inputs)).addOutput(output)
                .build();
    }

    static TensorProto floats(String name, ByteString raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(raw);
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static ByteString raw(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.array());
    }

    /** Writes {@code graph} as a model at default-domain opset 18. */
    static Path write(Path file, GraphProto.Builder graph) throws IOException {
        ModelProto m = ModelProto.newBuilder().setIrVersion(9).addOpsetImport(OperatorSetIdProto.newBuilder()
                .setDomain("").setVersion(18)).setGraph(graph).build();
        Files.write(file, m.toByteArray());
        return file;
    }
}
