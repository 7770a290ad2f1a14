package io.jitflow.text;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads external tensor data from sidecar files beside a graph file. A sidecar is named by a plain
 * file name (no folders), every size is checked against the file's real length before anything is
 * allocated, and the CRC-32 of the bytes must match.
 */
final class SidecarReader implements AutoCloseable {
    private final Path directory;
    private final Map<String, FileChannel> open = new HashMap<>();

    /** {@code directory} is where sidecars live, or {@code null} when the text has no file of its own. */
    SidecarReader(Path directory) {
        this.directory = directory;
    }

    HostTensor read(String name, long offset, long length, long crc32, TensorType type) {
        if (directory == null) {
            throw new SidecarException("external data \"" + name + "\" needs the graph to be read from a file");
        }
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new SidecarException("external data file \"" + name + "\" must be a plain file name in the graph's folder");
        }
        int elementCount = Shape.checkedElementCount(type.shape().sizes());
        long expected = (long) elementCount * type.dtype().byteSize();
        if (length != expected) {
            throw new SidecarException("external data for " + type + " needs " + expected + " bytes, the reference says "
                    + length);
        }
        try {
            FileChannel channel = channel(name);
            long size = channel.size();
            if (offset < 0 || length < 0 || offset > size || length > size - offset) {
                throw new SidecarException("external data at offset " + offset + " with length " + length
                        + " lies outside \"" + name + "\" (" + size + " bytes)");
            }
            DType dtype = type.dtype();
            Object array = HostTensor.allocate(dtype, elementCount);
            ByteBuffer chunk = SidecarCodec.chunkBuffer();
            CRC32 crc = new CRC32();
            long at = offset;
            int step = SidecarCodec.chunkElements(dtype);
            for (int from = 0; from < elementCount; from += step) {
                int count = Math.min(step, elementCount - from);
                chunk.clear().limit(count * dtype.byteSize());
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, at + chunk.position()) < 0) {
                        throw new SidecarException("\"" + name + "\" ended early");
                    }
                }
                chunk.flip();
                crc.update(chunk.duplicate());
                SidecarCodec.decode(chunk, dtype, array, from, count);
                at += count * (long) dtype.byteSize();
            }
            // The data's own checksum is not printed: it would tell a file's contents to whoever can name it.
            if (crc.getValue() != crc32) {
                throw new SidecarException(String.format("checksum mismatch in \"%s\" at offset %d: the data does not "
                        + "match the reference's crc32 0x%08x", name, offset, crc32));
            }
            return HostTensor.wrap(dtype, type.shape().sizes(), array);
        } catch (NoSuchFileException e) {
            throw new SidecarException("external data file \"" + name + "\" does not exist in " + directory);
        } catch (IOException e) {
            throw new SidecarException("cannot read external data file \"" + name + "\": " + e.getMessage());
        }
    }

    private FileChannel channel(String name) throws IOException {
        FileChannel c = open.get(name);
        if (c == null) {
            Path file = directory.resolve(name);
            if (Files.isSymbolicLink(file)) {
                throw new SidecarException("external data file \"" + name + "\" is a symbolic link; it must be a regular "
                        + "file in the graph's folder");
            }
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new SidecarException("external data file \"" + name + "\" is not a regular file");
            }
            c = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            open.put(name, c);
        }
        return c;
    }

    @Override
    public void close() {
        for (FileChannel c : open.values()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Read-only channel: nothing was written that a failed close could lose.
            }
        }
    }
}
