package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.input;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loss ops on what ONNX's node cases leave out: an ignored element whose class 0 holds a
 * log-probability of -infinity (a product by a 0 weight would make the loss NaN), class weights
 * in SoftmaxCrossEntropyLoss's mean, and a target outside the classes.
 */
class OnnxLossTest {
    @TempDir
    Path dir;

    private static final float[] LOG_PROBS = {Float.NEGATIVE_INFINITY, 0, -2, -1};

    @Test
    void ignoredElementsNeverReadTheirClass() throws IOException {
        long[] target = {1, 0};
        assertArrayEquals(new float[] {0, 2}, loss("NegativeLogLikelihoodLoss", "none", LOG_PROBS, target, null));
        assertArrayEquals(new float[] {2}, loss("NegativeLogLikelihoodLoss", "sum", LOG_PROBS, target, null));
        assertArrayEquals(new float[] {2}, loss("NegativeLogLikelihoodLoss", "mean", LOG_PROBS, target, null));
    }

    @Test
    void theMeanDividesByTheWeightsTaken() throws IOException {
        float ln2 = (float) Math.log(2);
        float[] scores = {0, 0, 5, 5};
        // Element 1's target is ignored: the mean is element 0's weighted loss over its weight alone.
        assertArrayEquals(new float[] {3 * ln2, 0}, loss("SoftmaxCrossEntropyLoss", "none", scores, new long[] {0, 1},
                new float[] {3, 7}), 1e-6f);
        assertArrayEquals(new float[] {ln2}, loss("SoftmaxCrossEntropyLoss", "mean", scores, new long[] {0, 1},
                new float[] {3, 7}), 1e-6f);
    }

    @Test
    void aTargetOutsideTheClassesIsAnError() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> loss("NegativeLogLikelihoodLoss", "mean", LOG_PROBS, new long[] {0, 5}, null));
        assertTrue(e.getMessage().contains("gather: index 5 is out of range [0, 2)"), e.getMessage());
    }

    /** The loss of [2, 2] inputs at targets [2] (ignore_index 1), with class weights when given. */
    private float[] loss(String op, String reduction, float[] x, long[] target, float[] weights) throws IOException {
        TensorProto.Builder t = TensorProto.newBuilder().setName("t").setDataType(TensorProto.DataType.INT64_VALUE)
                .addDims(2);
        for (long v : target) {
            t.addInt64Data(v);
        }
        NodeProto.Builder node = TestModels.node(op, "l", "y", "x", "t").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("reduction").setType(AttributeProto.AttributeType.STRING)
                        .setS(com.google.protobuf.ByteString.copyFromUtf8(reduction)))
                .addAttribute(AttributeProto.newBuilder().setName("ignore_index").setType(AttributeProto.AttributeType.INT)
                        .setI(1));
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 2, 2)).addInitializer(t.build())
                .addOutput(reduction.equals("none") ? input("y", 2) : input("y"));
        if (weights != null) {
            node.addInput("w");
            g.addInitializer(TestModels.floats("w", TestModels.raw(weights), 2));
        }
        Path model = TestModels.write(dir.resolve(op + reduction + target[1] + ".onnx"), g.addNode(node));
        Graph graph = Onnx.read(model);
        return Interpreter.run(graph.functions().get(0), Map.of("x", HostTensor.of(x, 2, 2)), new VariableStore())
                .get("y").toFloatArray();
    }
}
