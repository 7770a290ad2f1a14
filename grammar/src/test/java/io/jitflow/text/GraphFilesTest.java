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
        assertEquals(List.of(".model.jfg.lock", file.getFileName().toString(), sidecarOf(file).getFileName().toString())
                .stream().sorted().toList(), fileNames(), "no temporary files are left behind");
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
        Files.writeString(file, "jitflow 1 opset 1\nvariable @w : float32[1000, 100000] = external<\"w.jfw\", "
                + "offset = 0, length = 400000000, crc32 = 0x0>\n");
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().contains("lies outside \"w.jfw\" (64 bytes)"), e.getMessage());
        Files.writeString(file, "jitflow 1 opset 1\nvariable @w : float32[1000000, 1000000] = dense<0.0>\n");
        IrException splat = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(splat.getMessage().contains("huge.jfg:2:15: shape [1000000, 1000000] has more elements than a tensor "
                + "can hold"), splat.getMessage());
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
        assertTrue(Files.exists(oldSidecar), "the previous generation stays until the next write");
        Path sixth = sidecarOf(file);
        GraphFiles.write(modelWithWeights(100, 30, 7), file);
        assertFalse(Files.exists(oldSidecar), "a committed write removes the sidecars older than the previous one");
        assertEquals(List.of(".model.jfg.lock", "model.jfg", sidecarOf(file).getFileName().toString(),
                sixth.getFileName().toString()).stream().sorted().toList(), fileNames());
    }

    @Test
    void aReaderOfThePreviousTextStillFindsItsSidecar() throws Exception {
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(modelWithWeights(100, 30, 8), file);
        String oldText = Files.readString(file);
        Graph newer = modelWithWeights(100, 30, 9);
        GraphFiles.write(newer, file);
        // A load that read the text just before the commit goes on to read the sidecar it names.
        Path copy = Files.writeString(dir.resolve("old.jfg"), oldText);
        assertEquals(modelWithWeights(100, 30, 8), GraphFiles.read(copy));
        assertEquals(newer, GraphFiles.read(file));
    }

    @Test
    void concurrentSavesAndLoadsNeverFail() throws Exception {
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(modelWithWeights(100, 30, 0), file);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        if (thread < 2) {
                            GraphFiles.write(modelWithWeights(100, 30, thread * 100 + i), file);
                        } else {
                            assertEquals(List.of("dense/kernel"),
                                    GraphFiles.read(file).variables().stream().map(Variable::name).toList());
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Graph last = GraphFiles.read(file);
        assertTrue(last.equals(modelWithWeights(100, 30, 39)) || last.equals(modelWithWeights(100, 30, 139)),
                "the last writer wins");
        assertTrue(fileNames().stream().noneMatch(n -> n.endsWith(".tmp")), fileNames().toString());
    }

    @Test
    void aWriteRemovesTheTemporaryFilesOfKilledWritesToItsPath() throws IOException {
        Path killedText = Files.writeString(dir.resolve(".model.8812739.jfg.tmp"), "half");
        Path killedSidecar = Files.write(dir.resolve(".model.1234.jfw.tmp"), new byte[1000]);
        Path otherModels = Files.write(dir.resolve(".model2.1234.jfw.tmp"), new byte[10]);
        GraphFiles.write(modelWithWeights(100, 30, 10), dir.resolve("model.jfg"));
        assertFalse(Files.exists(killedText));
        assertFalse(Files.exists(killedSidecar));
        assertTrue(Files.exists(otherModels), "another path's files are not touched");
    }

    @Test
    void filesFollowTheUmask() throws IOException {
        Path file = dir.resolve("model.jfg");
        GraphFiles.write(modelWithWeights(100, 30, 11), file);
        java.nio.file.attribute.PosixFileAttributeView posix = Files.getFileAttributeView(file,
                java.nio.file.attribute.PosixFileAttributeView.class);
        org.junit.jupiter.api.Assumptions.assumeTrue(posix != null, "POSIX permissions");
        Path reference = Files.createFile(dir.resolve("reference"));
        var expected = Files.getPosixFilePermissions(reference);
        assertEquals(expected, Files.getPosixFilePermissions(file));
        assertEquals(expected, Files.getPosixFilePermissions(sidecarOf(file)));
    }

    /** A sparse file of {@code size} bytes (zeros), or the test is skipped where the file system refuses one. */
    private Path sparse(String name, long size) {
        Path file = dir.resolve(name);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("the file system refuses a sparse file of " + size + " bytes: " + e);
        }
        return file;
    }

    @Test
    void dataPastFourGigabytesIsRead() throws IOException {
        long offset = (4L << 30) + 64;
        Path sidecar = sparse("far.jfw", offset + 400);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(400).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[100];
        for (int i = 0; i < 100; i++) {
            expected[i] = i * 0.5f;
            bytes.putFloat(expected[i]);
        }
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(sidecar, java.nio.file.StandardOpenOption.WRITE)) {
            c.write(bytes.flip(), offset);
        }
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bytes.flip());
        Path file = Files.writeString(dir.resolve("far.jfg"), String.format("jitflow 1 opset 1\nvariable @w : float32[100] = "
                + "external<\"far.jfw\", offset = %d, length = 400, crc32 = 0x%08x>\n", offset, crc.getValue()));
        assertEquals(HostTensor.of(expected, 100), GraphFiles.read(file).variables().get(0).initialValue());
    }

    /** A tensor of 4 GiB + 8 bytes: each length and offset is a long, and the checksum covers every byte. */
    @Test
    void aTensorOfMoreThanFourGigabytesIsReadWholeAndChecked() throws IOException {
        int count = (1 << 30) + 2;
        long length = 4L * count;
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() > length + (1L << 30),
                "needs a heap of more than 5 GiB, has " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        sparse("big.jfw", length);
        java.util.zip.CRC32 zeros = new java.util.zip.CRC32();
        byte[] chunk = new byte[1 << 24];
        for (long done = 0; done < length; done += chunk.length) {
            zeros.update(chunk, 0, (int) Math.min(chunk.length, length - done));
        }
        String text = "jitflow 1 opset 1\nvariable @w : float32[" + count + "] = external<\"big.jfw\", offset = 0, length = "
                + length + ", crc32 = 0x%08x>\n";
        Path file = Files.writeString(dir.resolve("big.jfg"), String.format(text, zeros.getValue()));
        assertEquals(count, elementsRead(file), "the whole tensor, checksum matching");
        Files.writeString(file, String.format(text, zeros.getValue() ^ 1));
        IrException e = assertThrows(IrException.class, () -> GraphFiles.read(file));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    /** Reads the graph's first variable and forgets it (so a second read has the heap to itself). */
    private static int elementsRead(Path file) throws IOException {
        return GraphFiles.read(file).variables().get(0).initialValue().size();
    }

    private List<String> fileNames() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path sidecarOf(Path file) throws IOException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("external<\"([^\"]+)\"").matcher(Files.readString(file));
        assertTrue(m.find());
        return file.resolveSibling(m.group(1));
    }
}
