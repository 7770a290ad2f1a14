package io.jitflow.data;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST-style data sets (gzip-compressed or plain): a big-endian header with
 * magic 0x0000TTNN (TT the element type, NN the number of dims), the dims, then the elements.
 * Only unsigned bytes (type 0x08) are read, as a uint8 tensor.
 */
public final class Idx {
    private Idx() {
    }

    public static HostTensor read(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        byte[] bytes = raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b ? gunzip(raw, file) : raw;
        return parse(bytes, file.toString());
    }

    private static byte[] gunzip(byte[] raw, Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (java.io.EOFException e) {
            throw new IrException(file + ": truncated gzip data");
        }
    }

    static HostTensor parse(byte[] bytes, String source) {
        if (bytes.length < 4) {
            throw new IrException(source + ": too short for an IDX header (" + bytes.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        int magic = buf.getInt();
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if ((magic >>> 16) != 0 || type != 0x08 || rank == 0) {
            throw new IrException(String.format("%s: not an IDX file of unsigned bytes (magic 0x%08x; expected "
                    + "0x00000801 for labels or 0x00000803 for images)", source, magic));
        }
        if (bytes.length < 4 + 4L * rank) {
            throw new IrException(source + ": truncated IDX header");
        }
        int[] shape = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = buf.getInt();
            if (shape[d] < 0) {
                throw new IrException(source + ": negative dim " + shape[d] + " in the IDX header");
            }
            count *= shape[d];
        }
        long available = bytes.length - 4L - 4L * rank;
        if (available < count) {
            throw new IrException(source + ": truncated IDX data: the header declares " + count
                    + " elements, the file has " + available);
        }
        byte[] data = new byte[(int) count];
        buf.get(data);
        return HostTensor.wrap(DType.UINT8, shape, data);
    }
}
