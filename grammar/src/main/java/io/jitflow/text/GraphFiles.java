package io.jitflow.text;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * Graph files on disk: {@code NAME.jfg} holds the text, and tensors larger than
 * {@link #INLINE_LIMIT} elements go to {@code NAME.jfw} beside it as raw little-endian bytes,
 * referenced by offset, length and CRC-32. Both are written to temporary files first and renamed
 * into place, so a failed write leaves the previous files intact.
 */
public final class GraphFiles {
    /** Tensors with more elements than this are written to the sidecar. */
    public static final int INLINE_LIMIT = 64;
    /** Sidecar entries start at multiples of this, so a reader can map them aligned. */
    private static final int ALIGNMENT = 64;

    private GraphFiles() {
    }

    public static Graph read(Path file) throws IOException {
        return GraphParser.parse(file);
    }

    /** Writes {@code graph} to {@code file} (and its sidecar when there is large data). */
    public static void write(Graph graph, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String base = file.getFileName().toString().replaceFirst("\\.jfg$", "");
        String sidecarName = base + ".jfw";
        Path sidecarTemp = Files.createTempFile(dir, "." + base, ".jfw.tmp");
        Path textTemp = Files.createTempFile(dir, "." + base, ".jfg.tmp");
        try (FileChannel channel = FileChannel.open(sidecarTemp, StandardOpenOption.WRITE)) {
            long[] position = {0};
            String text = GraphPrinter.print(graph, tensor -> {
                if (tensor.size() <= INLINE_LIMIT) {
                    return null;
                }
                return append(channel, position, sidecarName, tensor);
            });
            Files.writeString(textTemp, text, StandardCharsets.UTF_8);
            channel.force(true);
            if (position[0] > 0) {
                move(sidecarTemp, dir.resolve(sidecarName));
            }
            move(textTemp, file);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            Files.deleteIfExists(sidecarTemp);
            Files.deleteIfExists(textTemp);
        }
    }

    private static String append(FileChannel channel, long[] position, String sidecarName, HostTensor tensor) {
        try {
            long offset = (position[0] + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
            ByteBuffer bytes = SidecarCodec.encode(tensor);
            CRC32 crc = new CRC32();
            crc.update(bytes.duplicate());
            long length = bytes.remaining();
            while (bytes.hasRemaining()) {
                channel.write(bytes, offset + bytes.position());
            }
            position[0] = offset + length;
            return String.format("external<%s, offset = %d, length = %d, crc32 = 0x%08x>",
                    GraphPrinter.quote(sidecarName), offset, length, crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
