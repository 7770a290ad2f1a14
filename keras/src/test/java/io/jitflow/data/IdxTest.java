package io.jitflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] dims, int dataBytes) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 4 * dims.length + dataBytes);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        byte[] images = idx(0x803, new int[] {2, 2, 3}, 12);
        Files.write(dir.resolve("plain"), images);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(images);
        }
        Files.write(dir.resolve("packed.gz"), gz.toByteArray());
        HostTensor a = Idx.read(dir.resolve("plain"));
        assertEquals(DType.UINT8, a.dtype());
        assertArrayEquals(new int[] {2, 2, 3}, a.shape());
        assertEquals(a, Idx.read(dir.resolve("packed.gz")));
        assertEquals(7 * 5 & 0xff, a.getLong(5));
    }

    @Test
    void wrongMagicAndTruncationAreClearErrors() throws IOException {
        Files.write(dir.resolve("bad"), idx(0x0d03, new int[] {1}, 1));
        IrException magic = assertThrows(IrException.class, () -> Idx.read(dir.resolve("bad")));
        assertTrue(magic.getMessage().contains("not an IDX file of unsigned bytes (magic 0x00000d03"), magic.getMessage());
        Files.write(dir.resolve("short"), idx(0x801, new int[] {10}, 4));
        IrException data = assertThrows(IrException.class, () -> Idx.read(dir.resolve("short")));
        assertTrue(data.getMessage().contains("the header declares 10 elements, the file has 4"), data.getMessage());
        Files.write(dir.resolve("header"), new byte[] {0, 0, 8, 3, 0, 0});
        assertThrows(IrException.class, () -> Idx.read(dir.resolve("header")));
    }

    @Test
    void mnistLoadsFromTheRepository() throws IOException {
        Path data = Path.of("..", "examples", "data", "mnist-10k");
        Mnist m = Mnist.load(data);
        assertArrayEquals(new int[] {8000, 28, 28}, m.trainImages().shape());
        assertArrayEquals(new int[] {2000}, m.testLabels().shape());
        assertTrue(m.trainImages().max().floatValue() <= 1f);
    }
}
