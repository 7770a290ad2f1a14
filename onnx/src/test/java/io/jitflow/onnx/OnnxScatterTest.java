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
 * node cases have none): the missing rows are padded with index 0 and an update that must change
 * nothing, whether the scatter replaces, adds or folds; and the folding reductions on integers.
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

    /**
     * Reductions "max", "min" and "mul" fold every update that points at a position, repeated
     * indices included, and leave the row without indices alone (its padding is the identity).
     */
    @Test
    void reductionsFoldEveryUpdateAtItsPosition() throws IOException {
        assertArrayEquals(new float[] {1, 2, 20, 4, 5, 6}, scatter("max", new long[] {2, 2}));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, scatter("min", new long[] {2, 2}));
        assertArrayEquals(new float[] {1, 2, 600, 4, 5, 6}, scatter("mul", new long[] {2, 2}));
        assertArrayEquals(new float[] {1, 20, 10, 4, 5, 6}, scatter("max", new long[] {2, 1}));
        assertArrayEquals(new float[] {1, 40, 30, 4, 5, 6}, scatter("mul", new long[] {2, 1}));
    }

    /**
     * int64 data, where the identities are the dtype's extremes: a maximum with no update stays the
     * data's most negative value, a minimum its largest; ScatterND folds whole slices.
     */
    @Test
    void integerReductionsUseTheDtypesExtremes() throws IOException {
        long[] x = {Long.MIN_VALUE, -8, Long.MAX_VALUE, 7, 1, 2};
        long[] updates = {-100, 5, 50, -3, 9, 9};
        // Row 1 takes all three update rows: rows 0 and 2, without any, keep the data (an
        // identity of 0 would raise row 0's -8 and lower row 2's 1 and 2).
        assertArrayEquals(new long[] {Long.MIN_VALUE, -8, Long.MAX_VALUE, 9, 1, 2}, scatterNd("max", x, updates, 1, 1, 1));
        assertArrayEquals(new long[] {Long.MIN_VALUE, -8, -100, -3, 1, 2}, scatterNd("min", x, updates, 1, 1, 1));
        assertArrayEquals(new long[] {-100, 5, Long.MAX_VALUE, 7, 50, 9}, scatterNd("max", x, updates, 0, 2, 2));
        assertArrayEquals(new long[] {Long.MIN_VALUE, -8, Long.MAX_VALUE, 7, 9 * 50 * 1 * 9, 2 * 5 * -3 * 9},
                scatterNd("mul", new long[] {Long.MIN_VALUE, -8, Long.MAX_VALUE, 7, 9, 2},
                        new long[] {50, 5, 1, -3, 9, 9}, 2, 2, 2));
    }

    /** ScatterND of int64 x [3, 2] with updates [3, 2] at rows {@code rows} (tuples of one index). */
    private long[] scatterNd(String reduction, long[] x, long[] updates, long... rows) throws IOException {
        TensorProto.Builder indices = TensorProto.newBuilder().setName("i").setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(3).addDims(1);
        for (long row : rows) {
            indices.addInt64Data(row);
        }
        NodeProto scatter = node("ScatterND", "s", "y", "x", "i", "u").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("reduction").setType(AttributeProto.AttributeType.STRING)
                        .setS(com.google.protobuf.ByteString.copyFromUtf8(reduction))).build();
        Path model = TestModels.write(dir.resolve("nd" + reduction + rows[0] + rows[1] + rows[2] + ".onnx"), GraphProto.newBuilder()
                .addInput(longs("x", 3, 2)).addInput(longs("u", 3, 2)).addOutput(longs("y", 3, 2))
                .addInitializer(indices).addNode(scatter));
        Graph g = Onnx.read(model);
        return Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(x, 3, 2), "u", HostTensor.of(updates, 3, 2)),
                new VariableStore()).get("y").toLongArray();
    }

    private static io.jitflow.onnx.proto.OnnxProto.ValueInfoProto longs(String name, long... dims) {
        var v = input(name, dims).toBuilder();
        v.getTypeBuilder().getTensorTypeBuilder().setElemType(TensorProto.DataType.INT64_VALUE);
        return v.build();
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
        Path model = TestModels.write(dir.resolve(reduction + columns[0] + columns[1] + ".onnx"), GraphProto.newBuilder()
                .addInput(input("x", 2, 3)).addInput(input("u", 1, 2)).addOutput(input("y", 2, 3))
                .addInitializer(indices).addNode(scatter));
        Graph g = Onnx.read(model);
        return Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(X, 2, 3),
                "u", HostTensor.of(new float[] {10, 20}, 1, 2)), new VariableStore()).get("y").toFloatArray();
    }
}
