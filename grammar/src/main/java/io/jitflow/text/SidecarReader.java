package io.jitflow.text;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
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
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals(".")) {
            throw new SidecarException("external data file \"" + name + "\" must be a plain file name in the graph's folder");
        }
        long count = 1;
        for (int d : type.shape().sizes()) {
            count *= d;
        }
        long expected = count * type.dtype().byteSize();
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
            int elementCount = Shape.checkedElementCount(type.shape().sizes());
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining()) {
                if (channel.read(buf, offset + buf.position()) < 0) {
                    throw new SidecarException("\"" + name + "\" ended early");
                }
            }
            CRC32 crc = new CRC32();
            crc.update(buf.array(), 0, (int) length);
            if (crc.getValue() != crc32) {
                throw new SidecarException(String.format("checksum mismatch in \"%s\" at offset %d: the data has "
                        + "crc32 0x%08x, the reference says 0x%08x", name, offset, crc.getValue(), crc32));
            }
            buf.rewind();
            return SidecarCodec.decode(buf, type.dtype(), type.shape().sizes(), elementCount);
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
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString());
            }
            c = FileChannel.open(file, StandardOpenOption.READ);
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
