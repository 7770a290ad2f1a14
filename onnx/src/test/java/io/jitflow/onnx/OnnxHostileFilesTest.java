package io.jitflow.onnx;

import static io.jitflow.onnx.TestModels.floats;
import static io.jitflow.onnx.TestModels.input;
import static io.jitflow.onnx.TestModels.node;
import static io.jitflow.onnx.TestModels.raw;
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
import io.jitflow.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import io.jitflow.onnx.proto.OnnxProto.TensorShapeProto;
import io.jitflow.onnx.proto.OnnxProto.TypeProto;
import io.jitflow.onnx.proto.OnnxProto.ValueInfoProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files an attacker or a broken exporter could write: each is refused with a message naming what is wrong. */
class OnnxHostileFilesTest {
    @TempDir
    Path dir;

    /** y = x + w for x float32[2] and w an initializer. */
    private static GraphProto.Builder addGraph(TensorProto w) {
        return GraphProto.newBuilder().setName("g").addInput(input("x", 2)).addOutput(input("y", 2))
                .addInitializer(w).addNode(node("Add", "add", "y", "x", "w"));
    }

    private Path write(GraphProto.Builder graph) throws IOException {
        return TestModels.write(dir.resolve("model.onnx"), graph);
    }

    private String refused(Path model) {
        return assertThrows(OnnxException.class, () -> Onnx.read(model)).getMessage();
    }

    @Test
    void aWellFormedModelRuns() throws IOException {
        Graph g = Onnx.read(write(addGraph(floats("w", raw(1, 2), 2))));
        HostTensor y = Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(new float[] {10, 20}, 2)),
                new VariableStore()).get("y");
        assertArrayEquals(new float[] {11, 22}, y.toFloatArray());
    }

    /** A graph's metadata is the model's metadata_props, both ways. */
    @Test
    void metadataTravelsAsMetadataProps() throws IOException {
        Graph g = Onnx.read(write(addGraph(floats("w", raw(1, 2), 2)))).withMetadata("keras.model", "{\"a\": 1}");
        Path out = dir.resolve("with-metadata.onnx");
        Onnx.write(g, out);
        assertEquals(java.util.Map.of("keras.model", "{\"a\": 1}"), Onnx.read(out).metadata());
        assertEquals("keras.model", io.jitflow.onnx.proto.OnnxProto.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(out))
                .getMetadataProps(0).getKey());
    }

    @Test
    void aTruncatedFileIsNotAModel() throws IOException {
        Path p = write(addGraph(floats("w", raw(1, 2), 2)));
        byte[] bytes = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 7));
        assertTrue(refused(p).contains("not a valid ONNX model (truncated or corrupt protobuf"), refused(p));
    }

    @Test
    void aHugeDeclaredTensorIsRefusedBeforeAnythingIsAllocated() throws IOException {
        String m = refused(write(addGraph(floats("w", raw(1), 1_000_000, 1_000_000))));
        assertTrue(m.contains("initializer 'w'") && m.contains("more than 2^31 - 1 elements"), m);
        // 10^9 elements fit an int but the file holds 4 bytes: refused from the sizes alone.
        String short1 = refused(write(addGraph(floats("w", raw(1), 100_000, 10_000))));
        assertTrue(short1.contains("the data holds 4 bytes") && short1.contains("needs 4000000000"), short1);
    }

    @Test
    void rawDataShorterThanTheShapeIsRefused() throws IOException {
        String m = refused(write(addGraph(floats("w", raw(1), 2))));
        assertTrue(m.contains("initializer 'w': the data holds 4 bytes, the shape [2] of float32 needs 8"), m);
    }

    @Test
    void aUseBeforeDefinitionOrACycleIsRefused() throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 2)).addOutput(input("y", 2))
                .addNode(node("Relu", "first", "y", "z")).addNode(node("Neg", "second", "z", "y"));
        String m = refused(write(g));
        assertTrue(m.contains("node 'first' (Relu, #0) uses 'z' before any node computes it"), m);
    }

    private TensorProto external(String location) {
        return TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(2)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location)).build();
    }

    @Test
    void externalDataStaysInsideTheModelsFolder() throws IOException {
        Files.write(dir.resolve("weights.bin"), raw(3, 4).toByteArray());
        Graph g = Onnx.read(write(addGraph(external("weights.bin"))));
        HostTensor y = Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(new float[] {1, 1}, 2)),
                new VariableStore()).get("y");
        assertArrayEquals(new float[] {4, 5}, y.toFloatArray());

        assertTrue(refused(write(addGraph(external("../weights.bin")))).contains("must be a path inside the model's folder"));
        assertTrue(refused(write(addGraph(external("/etc/passwd")))).contains("must be a path inside the model's folder"));
        Path outside = Files.createTempFile("outside", ".bin");
        try {
            Files.write(outside, raw(3, 4).toByteArray());
            Files.createSymbolicLink(dir.resolve("link.bin"), outside);
            assertTrue(refused(write(addGraph(external("link.bin")))).contains("not a link"));
        } finally {
            Files.delete(outside);
        }
        Files.write(dir.resolve("short.bin"), raw(3).toByteArray());
        assertTrue(refused(write(addGraph(external("short.bin")))).contains("does not fit: the file has 4 bytes"));
    }

    private TensorProto externalAt(String location, long offset, int count) {
        return external(location).toBuilder().setDims(0, count).addExternalData(StringStringEntryProto.newBuilder()
                .setKey("offset").setValue(Long.toString(offset))).build();
    }

    /** External data past 2 GiB (a sparse file: nothing but the tensor is written or read). */
    @Test
    void externalDataBeyondTwoGibibytesIsMappedWhereItLies() throws IOException {
        long offset = (1L << 31) + 8;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("big.bin").toFile(), "rw")) {
            f.setLength(offset + 8);
            f.seek(offset);
            f.write(raw(5, 6).toByteArray());
        }
        Graph g = Onnx.read(write(addGraph(externalAt("big.bin", offset, 2))));
        HostTensor y = Interpreter.run(g.functions().get(0), Map.of("x", HostTensor.of(new float[] {1, 1}, 2)),
                new VariableStore()).get("y");
        assertArrayEquals(new float[] {6, 7}, y.toFloatArray());
    }

    /** A tensor mapped in several pieces (as one of more than 1 GiB is) comes together whole. */
    @Test
    void externalDataMappedInPiecesIsReassembled() throws IOException {
        Files.write(dir.resolve("pieces.bin"), raw(9, 1, 2, 3, 4, 5, 6).toByteArray());
        // 10 bytes is not a whole number of floats: pieces round down to 8.
        for (long chunk : new long[] {4, 8, 12, 10, 1L << 30}) {
            HostTensor pieced = TensorProtos.read(externalAt("pieces.bin", 4, 6), dir, "w", chunk);
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, pieced.toFloatArray(), "pieces of " + chunk + " bytes");
        }
    }

    @Test
    void everyUnsupportedOpIsNamedInOneError() throws IOException {
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 2)).addOutput(input("y", 2))
                .addNode(node("Det", "h1", "a", "x"))
                .addNode(node("Det", "h2", "b", "a"))
                .addNode(node("Custom", "c", "y", "b").toBuilder().setDomain("com.example").build());
        String m = refused(write(g));
        assertTrue(m.contains("2 op types are not supported (default-domain opset 18)"), m);
        assertTrue(m.contains("Det (2 nodes: 'h1', 'h2')") && m.contains("com.example.Custom (1 node: 'c')"), m);
    }

    /** Indices of another rank than the data's, and a scatter reduction the op set cannot do, are named. */
    @Test
    void gathersAndScattersTheOpSetCannotDoNameTheNode() throws IOException {
        ValueInfoProto indices = ValueInfoProto.newBuilder().setName("i").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE)
                        .setShape(TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))))).build();
        String m = refused(write(GraphProto.newBuilder().addInput(input("x", 2)).addInput(indices)
                .addOutput(input("y", 1, 2)).addNode(node("GatherElements", "ge", "y", "x", "i"))));
        assertTrue(m.endsWith("node 'ge' (GatherElements #0, opset 18): indices must have the data's rank 1, got "
                + "int64[1, 2]"), m);
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 1, 2)).addInput(indices).addInput(input("u", 1, 2))
                .addOutput(input("y", 1, 2)).addNode(scatterReducing("avg"))));
        assertTrue(m.endsWith("node 'se' (ScatterElements #0, opset 18): reduction \"avg\" is not one of none, add, max, "
                + "min and mul"), m);
        // A folding reduction compares each update with each position of its row: 4,096 rows of
        // 4,096 positions and 2 updates are 2^25 pairs, refused before anything is built.
        ValueInfoProto manyIndices = indices.toBuilder().setType(indices.getType().toBuilder().setTensorType(
                indices.getType().getTensorType().toBuilder().setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4096))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))))).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 4096, 4096)).addInput(manyIndices)
                .addInput(input("u", 4096, 2)).addOutput(input("y", 4096, 4096)).addNode(scatterReducing("max"))));
        assertTrue(m.endsWith("node 'se' (ScatterElements #0, opset 18): reduction \"max\" compares each update with each "
                + "position of its row: 33554432 pairs, more than 16777216"), m);
    }

    private static NodeProto scatterReducing(String reduction) {
        return node("ScatterElements", "se", "y", "x", "i", "u").toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)).addAttribute(
                AttributeProto.newBuilder().setName("reduction").setType(AttributeProto.AttributeType.STRING)
                        .setS(com.google.protobuf.ByteString.copyFromUtf8(reduction))).build();
    }

    /** The refusals of the ops the import builds from compositions name the node and what is wrong. */
    @Test
    void compositionsRefuseWhatTheyCannotBuild() throws IOException {
        TensorProto k = TensorProto.newBuilder().setName("k").setDataType(TensorProto.DataType.INT64_VALUE).addDims(1)
                .addInt64Data(5).build();
        String m = refused(write(GraphProto.newBuilder().addInput(input("x", 3)).addInitializer(k)
                .addOutput(input("v", 5)).addOutput(input("i", 5)).addNode(NodeProto.newBuilder().setOpType("TopK")
                        .setName("top").addInput("x").addInput("k").addOutput("v").addOutput("i"))));
        assertTrue(m.contains("node 'top' (TopK #0, opset 18): k must be between 0 and 3"), m);
        m = refused(write(GraphProto.newBuilder().addInput(input("a", 2)).addInput(input("b", 3))
                .addOutput(input("y", 2)).addNode(node("SwiGLU", "glu", "y", "a", "b"))));
        assertTrue(m.endsWith("node 'glu' (SwiGLU #0, opset 18): the gate and the value must have one type, got "
                + "float32[2] and float32[3]"), m);
        NodeProto depthToSpace = node("DepthToSpace", "d2s", "y", "x").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("blocksize").setType(AttributeProto.AttributeType.INT).setI(2))
                .addAttribute(AttributeProto.newBuilder().setName("mode").setType(AttributeProto.AttributeType.STRING)
                        .setS(com.google.protobuf.ByteString.copyFromUtf8("XYZ"))).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 1, 4, 2, 2)).addOutput(input("y", 1, 1, 4, 4))
                .addNode(depthToSpace)));
        assertTrue(m.endsWith("node 'd2s' (DepthToSpace #0, opset 18): mode must be \"DCR\" or \"CRD\", got \"XYZ\""), m);
        TensorProto sizes = TensorProto.newBuilder().setName("s").setDataType(TensorProto.DataType.INT64_VALUE).addDims(1)
                .addInt64Data(2).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 4, 4)).addInitializer(sizes)
                .addOutput(input("y", 2, 4)).addNode(node("CenterCropPad", "ccp", "y", "x", "s"))));
        assertTrue(m.endsWith("node 'ccp' (CenterCropPad #0, opset 18): shape has 1 sizes for 2 axes"), m);
        ValueInfoProto indices = ValueInfoProto.newBuilder().setName("i").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE)
                        .setShape(TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(2))))).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 2, 3)).addInput(indices).addInput(input("u", 1, 3))
                .addOutput(input("y", 2, 3)).addNode(node("ScatterElements", "se", "y", "x", "i", "u"))));
        assertTrue(m.endsWith("node 'se' (ScatterElements #0, opset 18): updates must have the indices' shape [1, 2], "
                + "got float32[1, 3]"), m);
        GraphProto.Builder attention = GraphProto.newBuilder().addInput(input("q", 1, 4, 6)).addInput(input("k", 1, 5, 6))
                .addInput(input("v", 1, 5, 6)).addOutput(input("y", 1, 4, 6));
        m = refused(write(attention.clone().addNode(node("Attention", "att", "y", "q", "k", "v"))));
        assertTrue(m.endsWith("node 'att' (Attention #0, opset 18): q_num_heads must be at least 1 for 3-D inputs, got 0"),
                m);
        NodeProto heads = node("Attention", "att", "y", "q", "k", "v").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("q_num_heads").setType(AttributeProto.AttributeType.INT).setI(4))
                .addAttribute(AttributeProto.newBuilder().setName("kv_num_heads").setType(AttributeProto.AttributeType.INT).setI(3))
                .build();
        m = refused(write(attention.clone().addNode(heads)));
        assertTrue(m.endsWith("node 'att' (Attention #0, opset 18): a hidden size of 6 does not split into 4 heads: "
                + "float32[1, 4, 6]"), m);
    }

    /** The twentieth session's imports refuse what ONNX allows them no sense for, naming the node. */
    @Test
    void samplingFourierCacheAndLossImportsRefuseBadAttributes() throws IOException {
        String m = refused(write(GraphProto.newBuilder().addInput(input("x", 1, 1, 2, 2)).addInput(input("g", 1, 2, 2, 2))
                .addOutput(input("y", 1, 1, 2, 2)).addNode(withString(node("GridSample", "gs", "y", "x", "g"), "mode",
                        "bogus"))));
        assertTrue(m.endsWith("node 'gs' (GridSample #0, opset 18): mode must be linear, cubic or nearest, got \"bogus\""), m);
        NodeProto dft = node("DFT", "dft", "y", "x").toBuilder().addAttribute(AttributeProto.newBuilder().setName("axis")
                .setType(AttributeProto.AttributeType.INT).setI(2)).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 2, 4, 1)).addOutput(input("y", 2, 4, 2))
                .addNode(dft)));
        assertTrue(m.endsWith("node 'dft' (DFT #0, opset 18): axis must be a signal axis of float32[2, 4, 1], got 2"), m);
        m = refused(write(GraphProto.newBuilder().addInput(input("p", 1, 4, 2)).addInput(input("u", 1, 1, 2))
                .addOutput(input("y", 1, 4, 2)).addNode(withString(node("TensorScatter", "ts", "y", "p", "u"), "mode",
                        "ring"))));
        assertTrue(m.endsWith("node 'ts' (TensorScatter #0, opset 18): mode must be \"linear\" or \"circular\", got "
                + "\"ring\""), m);
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 2, 3)).addInput(typed("t", TensorProto.DataType.INT64, 2, 1))
                .addOutput(input("y")).addNode(node("NegativeLogLikelihoodLoss", "nll", "y", "x", "t"))));
        assertTrue(m.endsWith("node 'nll' (NegativeLogLikelihoodLoss #0, opset 18): input must be [N, C, d...] and target "
                + "[N, d...], got float32[2, 3] and int64[2, 1]"), m);
        TensorProto shape = TensorProto.newBuilder().setName("s").setDataType(TensorProto.DataType.INT64_VALUE).addDims(4)
                .addInt64Data(1).addInt64Data(1).addInt64Data(3).addInt64Data(3).build();
        NodeProto unpool = node("MaxUnpool", "mu", "y", "x", "i", "s").toBuilder()
                .addAttribute(AttributeProto.newBuilder().setName("kernel_shape").setType(AttributeProto.AttributeType.INTS)
                        .addInts(2).addInts(2))
                .addAttribute(AttributeProto.newBuilder().setName("strides").setType(AttributeProto.AttributeType.INTS)
                        .addInts(2).addInts(2)).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 1, 1, 2, 2))
                .addInput(typed("i", TensorProto.DataType.INT64, 1, 1, 2, 2)).addInitializer(shape)
                .addOutput(input("y", 1, 1, 3, 3)).addNode(unpool)));
        assertTrue(m.endsWith("node 'mu' (MaxUnpool #0, opset 18): output_shape [1, 1, 3, 3] is smaller than the unpooled "
                + "[1, 1, 4, 4]"), m);
        NodeProto quantize = node("QuantizeLinear", "q", "y", "x", "s").toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("output_dtype").setType(AttributeProto.AttributeType.INT).setI(6)).build();
        m = refused(write(GraphProto.newBuilder().addInput(input("x", 3)).addInput(input("s"))
                .addOutput(typed("y", TensorProto.DataType.INT32, 3)).addNode(quantize)));
        assertTrue(m.endsWith("node 'q' (QuantizeLinear #0, opset 18): only uint8 is quantized to (Jitflow has no int8, "
                + "int16 or 4-bit types), got int32"), m);
    }

    private static NodeProto withString(NodeProto node, String name, String value) {
        return node.toBuilder().addAttribute(AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8(value))).build();
    }

    private static ValueInfoProto typed(String name, TensorProto.DataType type, long... dims) {
        ValueInfoProto.Builder v = input(name, dims).toBuilder();
        v.getTypeBuilder().getTensorTypeBuilder().setElemType(type.getNumber());
        return v.build();
    }

    @Test
    void anAttributeOfTheWrongTypeNamesTheNode() throws IOException {
        NodeProto softmax = node("Softmax", "sm", "y", "x").toBuilder().addAttribute(AttributeProto.newBuilder()
                .setName("axis").setType(AttributeProto.AttributeType.FLOAT).setF(0)).build();
        String m = refused(write(GraphProto.newBuilder().addInput(input("x", 2)).addOutput(input("y", 2))
                .addNode(softmax)));
        assertEquals(dir.resolve("model.onnx") + ": node 'sm' (Softmax #0, opset 18): attribute 'axis' must be INT, got FLOAT", m);
    }

    @Test
    void aShapeFromAnUnboundInputAsksForItsValue() throws IOException {
        ValueInfoProto shape = ValueInfoProto.newBuilder().setName("shape").setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.INT64_VALUE)
                        .setShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder()
                                .setDimValue(2))))).build();
        GraphProto.Builder g = GraphProto.newBuilder().addInput(input("x", 2, 3)).addInput(shape)
                .addOutput(input("y", 3, 2)).addNode(node("Reshape", "r", "y", "x", "shape"));
        Path p = write(g);
        assertTrue(refused(p).contains("model input 'shape' decides a result's shape"), refused(p));
        assertEquals(java.util.Set.of("shape"), Onnx.shapeInputs(p));
        Graph bound = Onnx.read(p, Map.of("shape", HostTensor.of(new long[] {3, 2}, 2)));
        assertEquals("float32[3, 2]", bound.functions().get(0).outputs().get(0).value().type().toString());
    }
}
