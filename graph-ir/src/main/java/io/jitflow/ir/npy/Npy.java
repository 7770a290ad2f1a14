package io.jitflow.ir.npy;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * NumPy's NPY format, versions 1.0, 2.0 and 3.0: the interchange format for inputs and outputs.
 * Reads little- and big-endian data of every Jitflow dtype, in C or Fortran order; writes
 * little-endian C order, version 1.0 unless the header needs 2.0.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGNMENT = 64;

    private Npy() {
    }

    /** Reads an NPY file; it must be a regular file (a FIFO or a device would block or never end). */
    public static HostTensor read(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Reads NPY bytes; {@code source} names them in messages. */
    public static HostTensor read(byte[] bytes, String source) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !java.util.Arrays.equals(bytes, 0, 6, MAGIC, 0, 6)) {
            throw new NpyFormatException(source + ": not an NPY file (bad magic string)");
        }
        int major = bytes[6];
        int minor = bytes[7];
        int headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = buf.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw new NpyFormatException(source + ": truncated NPY header");
            }
            headerLength = buf.getInt(8);
            headerStart = 12;
        } else {
            throw new NpyFormatException(source + ": unsupported NPY version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerLength < 0 || headerStart + (long) headerLength > bytes.length) {
            throw new NpyFormatException(source + ": truncated NPY header (declares " + headerLength + " bytes)");
        }
        String header = new String(bytes, headerStart, headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Header h = Header.parse(header, source);
        int dataStart = headerStart + headerLength;
        long count = 1;
        for (int d : h.shape) {
            count *= d;
            if (count > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(source + ": shape " + java.util.Arrays.toString(h.shape) + " is too large");
            }
        }
        long needed = count * h.dtype.byteSize();
        if (bytes.length - dataStart < needed) {
            throw new NpyFormatException(source + ": truncated data: shape " + java.util.Arrays.toString(h.shape)
                    + " of " + h.dtype + " needs " + needed + " bytes, the file has " + (bytes.length - dataStart));
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) needed).slice().order(h.order);
        HostTensor.Writer out = HostTensor.writer(h.dtype, h.shape);
        int n = (int) count;
        int[] strides = h.fortranOrder ? fortranStrides(h.shape) : null;
        for (int i = 0; i < n; i++) {
            int src = strides == null ? i : fortranIndex(i, h.shape, strides);
            int at = src * h.dtype.byteSize();
            switch (h.dtype) {
                case BOOL -> out.setBool(i, data.get(at) != 0);
                case UINT8 -> out.setLong(i, data.get(at) & 0xff);
                case INT32 -> out.setLong(i, data.getInt(at));
                case INT64 -> out.setLong(i, data.getLong(at));
                case FLOAT16 -> out.setBits(i, data.getShort(at) & 0xffff);
                case FLOAT32 -> out.setBits(i, data.getInt(at) & 0xffffffffL);
                case FLOAT64 -> out.setBits(i, data.getLong(at));
            }
        }
        return out.build();
    }

    private static int[] fortranStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int d = 0; d < shape.length; d++) {
            strides[d] = stride;
            stride *= shape[d];
        }
        return strides;
    }

    /** The column-major position of row-major element {@code flat}. */
    private static int fortranIndex(int flat, int[] shape, int[] strides) {
        int index = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            index += flat % shape[d] * strides[d];
            flat /= shape[d];
        }
        return index;
    }

    /** Writes {@code tensor} to {@code file} through a temporary file, so a failure leaves no partial file. */
    public static void write(HostTensor tensor, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".npy", ".tmp");
        try {
            Files.write(temp, toBytes(tensor));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public static byte[] toBytes(HostTensor tensor) {
        String shapeText = tensor.rank() == 1 ? "(" + tensor.dim(0) + ",)"
                : "(" + String.join(", ", java.util.Arrays.stream(tensor.shape()).mapToObj(Integer::toString).toList()) + ")";
        String dict = "{'descr': '" + descr(tensor.dtype()) + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        int prefix = 10;
        int total = (prefix + dict.length() + 1 + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        boolean version2 = total - prefix > 0xffff;
        if (version2) {
            prefix = 12;
            total = (prefix + dict.length() + 1 + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        }
        String header = dict + " ".repeat(total - prefix - dict.length() - 1) + "\n";
        int dataBytes = tensor.size() * tensor.dtype().byteSize();
        ByteBuffer buf = ByteBuffer.allocate(total + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) (version2 ? 2 : 1)).put((byte) 0);
        if (version2) {
            buf.putInt(header.length());
        } else {
            buf.putShort((short) header.length());
        }
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < tensor.size(); i++) {
            long bits = tensor.getBits(i);
            switch (tensor.dtype().byteSize()) {
                case 1 -> buf.put((byte) bits);
                case 2 -> buf.putShort((short) bits);
                case 4 -> buf.putInt((int) bits);
                default -> buf.putLong(bits);
            }
        }
        return buf.array();
    }

    private static String descr(DType dtype) {
        return switch (dtype) {
            case BOOL -> "|b1";
            case UINT8 -> "|u1";
            case INT32 -> "<i4";
            case INT64 -> "<i8";
            case FLOAT16 -> "<f2";
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
        };
    }

    /** The parsed header dictionary: {'descr': ..., 'fortran_order': ..., 'shape': (...)}. */
    private record Header(DType dtype, ByteOrder order, boolean fortranOrder, int[] shape) {
        static Header parse(String text, String source) {
            String descr = stringField(text, "descr", source);
            String fortran = rawField(text, "fortran_order", source);
            String shapeText = rawField(text, "shape", source);
            char byteOrder = descr.isEmpty() ? '?' : descr.charAt(0);
            String kind = descr.length() > 1 ? descr.substring(1) : "";
            DType dtype = switch (kind) {
                case "b1" -> DType.BOOL;
                case "u1" -> DType.UINT8;
                case "i4" -> DType.INT32;
                case "i8" -> DType.INT64;
                case "f2" -> DType.FLOAT16;
                case "f4" -> DType.FLOAT32;
                case "f8" -> DType.FLOAT64;
                default -> null;
            };
            if (dtype == null || "<>|=".indexOf(byteOrder) < 0) {
                throw new NpyFormatException(source + ": unsupported dtype '" + descr
                        + "' (supported: b1, u1, i4, i8, f2, f4, f8 in either byte order)");
            }
            ByteOrder order = byteOrder == '>' ? ByteOrder.BIG_ENDIAN
                    : byteOrder == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
            boolean fortranOrder = switch (fortran.trim()) {
                case "True" -> true;
                case "False" -> false;
                default -> throw new NpyFormatException(source + ": fortran_order must be True or False, got " + fortran);
            };
            return new Header(dtype, order, fortranOrder, parseShape(shapeText, source));
        }

        private static int[] parseShape(String text, String source) {
            String t = text.trim();
            if (!t.startsWith("(") || !t.endsWith(")")) {
                throw new NpyFormatException(source + ": shape must be a tuple, got " + text);
            }
            List<Integer> dims = new ArrayList<>();
            for (String part : t.substring(1, t.length() - 1).split(",")) {
                String p = part.trim().replaceFirst("L$", "");
                if (p.isEmpty()) {
                    continue;
                }
                try {
                    long v = Long.parseLong(p);
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw new NumberFormatException();
                    }
                    dims.add((int) v);
                } catch (NumberFormatException e) {
                    throw new NpyFormatException(source + ": bad dimension '" + p + "' in shape " + text);
                }
            }
            return dims.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The text after {@code 'key':} up to the next top-level comma or the closing brace. */
        private static String rawField(String text, String key, String source) {
            int k = text.indexOf("'" + key + "'");
            if (k < 0) {
                k = text.indexOf("\"" + key + "\"");
            }
            int colon = k < 0 ? -1 : text.indexOf(':', k);
            if (colon < 0) {
                throw new NpyFormatException(source + ": NPY header lacks '" + key + "': " + text.trim());
            }
            int depth = 0;
            int i = colon + 1;
            for (; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                } else if ((c == ',' || c == '}') && depth == 0) {
                    break;
                }
            }
            return text.substring(colon + 1, i);
        }

        private static String stringField(String text, String key, String source) {
            String raw = rawField(text, key, source).trim();
            if (raw.length() < 2 || (raw.charAt(0) != '\'' && raw.charAt(0) != '"')) {
                throw new NpyFormatException(source + ": '" + key + "' must be a string, got " + raw);
            }
            return raw.substring(1, raw.length() - 1);
        }
    }
}
