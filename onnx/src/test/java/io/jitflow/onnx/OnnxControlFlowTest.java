package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.input;
import static io.jitflow.onnx.TestModels.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
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
 * If and Loop whose subgraphs read values of the enclosing graph (captures), against values worked
 * out by hand; the node suite's cases of these ops use sequences or computed slice starts.
 */
class OnnxControlFlowTest {
    @TempDir
    Path dir;

    private static ValueInfoProto scalar(String name, int elemType) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(TensorShapeProto.newBuilder()))).build();
    }

    private static NodeProto withGraph(NodeProto n, String name, GraphProto g) {
        return n.toBuilder().addAttribute(AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.GRAPH).setG(g)).build();
    }

    private static TensorProto int64(String name, long value) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(value)
                .build();
    }

    private static HostTensor run(Graph g, float... x) {
        return Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(x, x.length)), new VariableStore())
                .values().iterator().next();
    }

    /** y = sum(x) > 0 ? x * 2 : x - 1, both branches reading the outer x. */
    @Test
    void ifBranchesReadTheEnclosingGraph() throws IOException {
        GraphProto then = GraphProto.newBuilder().setName("then").addNode(node("Add", "twice", "t", "x", "x"))
                .addOutput(input("t", 3)).build();
        GraphProto otherwise = GraphProto.newBuilder().setName("else").addNode(node("Sub", "less", "e", "x", "one"))
                .addOutput(input("e", 3)).build();
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(input("x", 3)).addOutput(input("y", 3))
                .addInitializer(TestModels.floats("one", TestModels.raw(1)))
                .addInitializer(TestModels.floats("zero", TestModels.raw(0)))
                .addNode(node("ReduceSum", "sum", "s", "x").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build())
                .addNode(node("Greater", "positive", "p", "s", "zero"))
                .addNode(withGraph(withGraph(node("If", "if", "y", "p"), "then_branch", then), "else_branch", otherwise));
        Graph graph = Onnx.read(TestModels.write(dir.resolve("if.onnx"), g));
        assertArrayEquals(new float[] {2, 4, -2}, run(graph, 1, 2, -1).toFloatArray());
        assertArrayEquals(new float[] {0, -3, 0}, run(graph, 1, -2, 1).toFloatArray());
    }

    /** A loop whose body's condition stops it early: v = v * 2 + i while sum(v) < 40, at most 10 times. */
    @Test
    void aLoopWithoutScanOutputsBecomesAWhile() throws IOException {
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(scalar("i", TensorProto.DataType.INT64_VALUE))
                .addInput(scalar("c", TensorProto.DataType.BOOL_VALUE)).addInput(input("v", 2))
                .addNode(node("Cast", "cast", "fi", "i").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("to").setType(AttributeProto.AttributeType.INT).setI(1)).build())
                .addNode(node("Mul", "double", "v2", "v", "two"))
                .addNode(node("Add", "plus", "v_out", "v2", "fi"))
                .addNode(node("ReduceSum", "sum", "s", "v_out").toBuilder().addAttribute(AttributeProto.newBuilder()
                        .setName("keepdims").setType(AttributeProto.AttributeType.INT).setI(0)).build())
                .addNode(node("Less", "small", "c_out", "s", "limit"))
                .addOutput(scalar("c_out", TensorProto.DataType.BOOL_VALUE)).addOutput(input("v_out", 2)).build();
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(input("x", 2)).addOutput(input("y", 2))
                .addInitializer(TestModels.floats("two", TestModels.raw(2)))
                .addInitializer(TestModels.floats("limit", TestModels.raw(40)))
                .addInitializer(int64("trips", 10))
                .addNode(withGraph(NodeProto.newBuilder().setOpType("Loop").setName("loop").addInput("trips")
                        .addInput("").addInput("x").addOutput("y").build(), "body", body));
        Graph graph = Onnx.read(TestModels.write(dir.resolve("while.onnx"), g));
        // [1, 1] -> [2, 2] (sum 4) -> [5, 5] (10) -> [12, 12] (24) -> [27, 27] (54, stop)
        assertArrayEquals(new float[] {27, 27}, run(graph, 1, 1).toFloatArray());
        // With a negative sum the condition holds, so the trip count ends it: v = 2^10 x + sum_i i * 2^(9 - i).
        long steps = 0;
        for (int i = 0; i < 10; i++) {
            steps = steps * 2 + i;
        }
        assertArrayEquals(new float[] {-1000 * 1024 + steps, 990 * 1024 + steps}, run(graph, -1000, 990).toFloatArray());
    }

    /** Scan outputs need a known trip count and a body that never stops early: then the loop is a scan. */
    @Test
    void aLoopWithScanOutputsBecomesAScan() throws IOException {
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(scalar("i", TensorProto.DataType.INT64_VALUE))
                .addInput(scalar("c", TensorProto.DataType.BOOL_VALUE)).addInput(input("v", 2))
                .addNode(node("Identity", "keep", "c_out", "c"))
                .addNode(node("Add", "accumulate", "v_out", "v", "x"))
                .addNode(node("Mul", "square", "sq", "v_out", "v_out"))
                .addOutput(scalar("c_out", TensorProto.DataType.BOOL_VALUE)).addOutput(input("v_out", 2))
                .addOutput(input("sq", 2)).build();
        GraphProto.Builder g = GraphProto.newBuilder().setName("g").addInput(input("x", 2))
                .addOutput(input("squares", 3, 2))
                .addInitializer(int64("trips", 3))
                .addNode(withGraph(NodeProto.newBuilder().setOpType("Loop").setName("loop").addInput("trips")
                        .addInput("").addInput("x").addOutput("v_final").addOutput("squares").build(), "body", body));
        Graph graph = Onnx.read(TestModels.write(dir.resolve("scan.onnx"), g));
        // v: [1, -2] -> [2, -4] -> [3, -6] -> [4, -8]; the scan output stacks each step's square.
        assertArrayEquals(new float[] {4, 16, 9, 36, 16, 64}, run(graph, 1, -2).toFloatArray());

        GraphProto.Builder unknownTrips = g.clone().clearInitializer().addInput(scalar("trips",
                TensorProto.DataType.INT64_VALUE));
        OnnxException e = assertThrows(OnnxException.class, () -> Onnx.read(TestModels.write(dir.resolve("dyn.onnx"),
                unknownTrips), Map.of()));
        assertTrue(e.getMessage().contains("a loop with scan outputs needs a trip count known at import time"),
                e.getMessage());
        assertEquals("[loop]", e.getMessage().replaceAll(".*node '([^']*)'.*", "[$1]"));
    }
}
