package io.jitflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graph files with binary sidecars: round trips, and hostile or damaged files refused clearly. */
class GraphFilesTest {
    @TempDir
    Path dir;

    private static Graph modelWithWeights(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        double[] small = {1, 2, 3};
        Variable weights = new Variable("dense/kernel", TensorType.of(DType.FLOAT32, rows, cols), HostTensor.of(w, rows, cols), true);
        Graph vars = Graph.of(List.of(weights), List.of());
        FunctionBuilder fb = new FunctionBuilder("predict", vars.inferenceContext());
        Value x = fb.input("x", TensorType.of(DType.FLOAT32, 1, rows));
        Value k = fb.add(Op.READ_VARIABLE, Attributes.builder().put("name", "dense/kernel").build());
        Value c = fb.add(Op.CONSTANT, Attributes.builder().put("value", HostTensor.of(small, 3)).build());
        fb.output("y", fb.add(Op.MATMUL, x, k)).output("c", c);
        return Graph.of(vars.variables(), List.of(fb.build()));
    }

    @Test
    void largeTensorsGoToTheSidecarAndComeBackExactly() throws IOException {
        Graph g = modelWithWeights(100, 30, 1);
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(g, file);
        String text = Files.readString(file);
        assertTrue(text.matches("(?s).*external<\"model\\.[0-9a-f]{8}\\.jfw\", offset = 0, length = 12000, crc32 = 0x.*"), text);
        assertTrue(text.contains("dense<[1.0, 2.0, 3.0]>"), "small constants stay inline");
        assertEquals(g, GraphFiles.read(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files are left behind");
        }
    }

    @Test
    void aCorruptedSidecarFailsItsChecksum() throws IOException {
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(modelWithWeights(100, 30, 2), file);
        Path sidecar = sidecarOf(file);
        byte[] bytes = Files.readAllBytes(sidecar);
        bytes[100] ^= 1;
        Files.write(sidecar, bytes);
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().matches(".*model\\.jfg:3:\\d+: checksum mismatch in \"model\\.[0-9a-f]{8}\\.jfw\" at offset 0.*"),
                e.getMessage());
    }

    @Test
    void aTruncatedSidecarIsRefusedBeforeAllocating() throws IOException {
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(modelWithWeights(100, 30, 3), file);
        Path sidecar = sidecarOf(file);
        byte[] bytes = Files.readAllBytes(sidecar);
        Files.write(sidecar, java.util.Arrays.copyOf(bytes, 5000));
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().contains("external data at offset 0 with length 12000 lies outside \"" + sidecar.getFileName() + "\" (5000 bytes)"),
                e.getMessage());
    }

    @Test
    void aHugeDeclaredTensorIsRefusedWithoutExhaustingMemory() throws IOException {
        Files.write(dir.resolve("w.jfw"), new byte[64]);
        Path file = dir.resolve("huge.jfg");
        Files.writeString(file, "jitflow 1 opset 1\nvariable @w : float32[1000000, 1000000] = external<\"w.jfw\", "
                + "offset = 0, length = 4000000000000, crc32 = 0x0>\n");
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().contains("lies outside \"w.jfw\" (64 bytes)"), e.getMessage());
        Files.writeString(file, "jitflow 1 opset 1\nvariable @w : float32[1000000, 1000000] = dense<0.0>\n");
        IrException splat = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(splat.getMessage().contains("more elements than a Java array can hold"), splat.getMessage());
    }

    @Test
    void sidecarNamesCannotLeaveTheGraphsFolder() throws IOException {
        Path file = dir.resolve("escape.jfg");
        Files.writeString(file, "jitflow 1 opset 1\nvariable @w : float32[2] = external<\"../secret.jfw\", "
                + "offset = 0, length = 8, crc32 = 0x0>\n");
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().contains("escape.jfg:2:28: external data file \"../secret.jfw\" must be a plain file name"),
                e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousFilesIntact() throws IOException {
        Path file = dir.resolve("model.jfg");
        Graph original = modelWithWeights(100, 30, 4);
        GraphFiles.write(original, file);
        String before = Files.readString(file, StandardCharsets.UTF_8);
        Path oldSidecar = sidecarOf(file);
        RuntimeException crash = new RuntimeException("simulated crash before the commit");
        RuntimeException thrown = assertThrows(RuntimeException.class,
                () -> GraphFiles.write(modelWithWeights(100, 30, 5), file, () -> {
                    throw crash;
                }));
        assertEquals(crash, thrown);
        assertEquals(before, Files.readString(file, StandardCharsets.UTF_8));
        assertEquals(original, GraphFiles.read(file));
        assertTrue(Files.exists(oldSidecar));
        GraphFiles.write(modelWithWeights(100, 30, 6), file);
        assertFalse(Files.exists(oldSidecar), "a committed write removes the sidecars it replaced");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "exactly the text and its sidecar remain");
        }
    }

    private static Path sidecarOf(Path file) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("external<\"([^\"]+)\"").matcher(Files.readString(file));
        assertTrue(m.find());
        return file.resolveSibling(m.group(1));
    }
}
