package io.jitflow.onnx;

import com.google.protobuf.ByteString;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TensorProto to and from host tensors: the element types Jitflow has, data in the typed fields, in
 * {@code raw_data} (little-endian) or in an external file beside the model. Sizes are checked against
 * the data actually present before anything is allocated, so a header that declares 10^12 elements
 * costs nothing.
 */
final class TensorProtos {
    private TensorProtos() {
    }

    /** ONNX's TensorProto.DataType numbers for the dtypes Jitflow has. */
    static int onnxType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> TensorProto.DataType.FLOAT_VALUE;
            case UINT8 -> TensorProto.DataType.UINT8_VALUE;
            case INT32 -> TensorProto.DataType.INT32_VALUE;
            case INT64 -> TensorProto.DataType.INT64_VALUE;
            case BOOL -> TensorProto.DataType.BOOL_VALUE;
            case FLOAT16 -> TensorProto.DataType.FLOAT16_VALUE;
            case FLOAT64 -> TensorProto.DataType.DOUBLE_VALUE;
        };
    }

    /** The dtype for an ONNX element type, or an error naming what uses it. */
    static DType dtype(int onnxType, String where) {
        return switch (onnxType) {
            case TensorProto.DataType.FLOAT_VALUE -> DType.FLOAT32;
            case TensorProto.DataType.UINT8_VALUE -> DType.UINT8;
            case TensorProto.DataType.INT32_VALUE -> DType.INT32;
            case TensorProto.DataType.INT64_VALUE -> DType.INT64;
            case TensorProto.DataType.BOOL_VALUE -> DType.BOOL;
            case TensorProto.DataType.FLOAT16_VALUE -> DType.FLOAT16;
            case TensorProto.DataType.DOUBLE_VALUE -> DType.FLOAT64;
            default -> throw new OnnxException(where + ": element type " + typeName(onnxType)
                    + " is not supported (Jitflow has float16, float32, float64, int32, int64, uint8 and bool)");
        };
    }

    static String typeName(int onnxType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(onnxType);
        return t != null ? t.name() : "#" + onnxType;
    }

    /**
     * The tensor a TensorProto holds. {@code folder} is the model's folder, where external data must
     * lie; {@code where} names the tensor in errors.
     */
    static HostTensor read(TensorProto t, Path folder, String where) {
        return read(t, folder, where, CHUNK_BYTES);
    }

    /** External data is mapped in pieces of at most this many bytes: one mapping holds at most 2 GiB. */
    private static final long CHUNK_BYTES = 1L << 30;

    /** {@link #read(TensorProto, Path, String)} mapping external data in pieces of at most {@code chunkBytes}. */
    static HostTensor read(TensorProto t, Path folder, String where, long chunkBytes) {
        DType dtype = dtype(t.getDataType(), where);
        int[] shape = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new OnnxException(where + ": dim " + i + " is " + d);
            }
            shape[i] = (int) d;
            count *= d;
            if (count > Integer.MAX_VALUE) {
                throw new OnnxException(where + ": shape " + Arrays.toString(t.getDimsList().toArray())
                        + " has more than 2^31 - 1 elements");
            }
        }
        int n = (int) count;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            long chunk = Math.max(1, chunkBytes / dtype.byteSize()) * dtype.byteSize();
            return fromBytes(dtype, shape, n, readExternal(t, folder, (long) n * dtype.byteSize(), chunk, where), where);
        }
        if (t.hasRawData()) {
            return fromBytes(dtype, shape, n, List.of(t.getRawData().asReadOnlyByteBuffer()), where);
        }
        return fromTypedFields(t, dtype, shape, n, where);
    }

    /** A tensor from its little-endian bytes, given in pieces that each hold whole elements. */
    private static HostTensor fromBytes(DType dtype, int[] shape, int n, List<ByteBuffer> pieces, String where) {
        long need = (long) n * dtype.byteSize();
        long have = pieces.stream().mapToLong(ByteBuffer::remaining).sum();
        if (have != need) {
            throw new OnnxException(where + ": the data holds " + have + " bytes, the shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + need);
        }
        Object data = HostTensor.allocate(dtype, n);
        int at = 0;
        for (ByteBuffer piece : pieces) {
            ByteBuffer b = piece.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            int count = b.remaining() / dtype.byteSize();
            switch (dtype) {
                case BOOL -> {
                    boolean[] out = (boolean[]) data;
                    for (int i = 0; i < count; i++) {
                        out[at + i] = b.get() != 0;
                    }
                }
                case UINT8 -> b.get((byte[]) data, at, count);
                case INT32 -> b.asIntBuffer().get((int[]) data, at, count);
                case INT64 -> b.asLongBuffer().get((long[]) data, at, count);
                case FLOAT16 -> b.asShortBuffer().get((short[]) data, at, count);
                case FLOAT32 -> b.asFloatBuffer().get((float[]) data, at, count);
                case FLOAT64 -> b.asDoubleBuffer().get((double[]) data, at, count);
            }
            at += count;
        }
        return HostTensor.wrap(dtype, shape, data);
    }

    private static HostTensor fromTypedFields(TensorProto t, DType dtype, int[] shape, int n, String where) {
        int present = switch (dtype) {
            case FLOAT32 -> t.getFloatDataCount();
            case FLOAT64 -> t.getDoubleDataCount();
            case INT64 -> t.getInt64DataCount();
            default -> t.getInt32DataCount();
        };
        if (present != n) {
            throw new OnnxException(where + ": holds " + present + " values, the shape " + Arrays.toString(shape)
                    + " needs " + n);
        }
        HostTensor.Writer w = HostTensor.writer(dtype, shape);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case FLOAT32 -> w.setDouble(i, t.getFloatData(i));
                case FLOAT64 -> w.setDouble(i, t.getDoubleData(i));
                case INT64 -> w.setLong(i, t.getInt64Data(i));
                case FLOAT16 -> w.setBits(i, t.getInt32Data(i) & 0xffff);
                default -> w.setLong(i, t.getInt32Data(i));
            }
        }
        return w.build();
    }

    /**
     * The bytes of an external tensor: {@code location} relative to the model's folder, no {@code ..},
     * no absolute path and no symbolic link, so a model cannot read files outside its folder. The file
     * is mapped, not read, in pieces of {@code chunk} bytes (a model's external data may pass 2 GiB).
     */
    private static List<ByteBuffer> readExternal(TensorProto t, Path folder, long need, long chunk, String where) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = parseLong(e.getValue(), "offset", where);
                case "length" -> length = parseLong(e.getValue(), "length", where);
                default -> { }
            }
        }
        if (location == null) {
            throw new OnnxException(where + ": external data without a location");
        }
        if (folder == null) {
            throw new OnnxException(where + ": external data needs the model's folder (read the model from a file)");
        }
        Path relative = Path.of(location);
        if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
                || Arrays.stream(location.split("[/\\\\]")).anyMatch(".."::equals)) {
            throw new OnnxException(where + ": external data location '" + location
                    + "' must be a path inside the model's folder");
        }
        Path file = folder.resolve(relative).normalize();
        try {
            if (!file.startsWith(folder.normalize()) || Files.isSymbolicLink(file)
                    || !file.toRealPath().startsWith(folder.toRealPath())) {
                throw new OnnxException(where + ": external data location '" + location
                        + "' must be a regular file inside the model's folder, not a link");
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new OnnxException(where + ": external data file '" + location + "' is not a regular file");
            }
            long size = Files.size(file);
            long len = length >= 0 ? length : size - offset;
            if (offset < 0 || offset > size || len != need || offset + len > size) {
                throw new OnnxException(where + ": external data '" + location + "' at offset " + offset + " length "
                        + len + " does not fit: the file has " + size + " bytes and the tensor needs " + need);
            }
            List<ByteBuffer> pieces = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (long at = 0; at < len; at += chunk) {
                    pieces.add(ch.map(FileChannel.MapMode.READ_ONLY, offset + at, Math.min(chunk, len - at)));
                }
            }
            return pieces;
        } catch (IOException e) {
            throw new OnnxException(where + ": cannot read external data '" + location + "': " + e.getMessage(), e);
        }
    }

    private static long parseLong(String text, String key, String where) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new OnnxException(where + ": external data " + key + " '" + text + "' is not a number");
        }
    }

    /** A TensorProto holding {@code value} in {@code raw_data}. */
    static TensorProto write(HostTensor value, String name) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(onnxType(value.dtype()));
        for (int d : value.shape()) {
            b.addDims(d);
        }
        int n = value.size();
        ByteBuffer out = ByteBuffer.allocate(n * value.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        Object data = value.storage();
        switch (value.dtype()) {
            case BOOL -> {
                for (boolean v : (boolean[]) data) {
                    out.put((byte) (v ? 1 : 0));
                }
            }
            case UINT8 -> out.put((byte[]) data);
            case INT32 -> out.asIntBuffer().put((int[]) data);
            case INT64 -> out.asLongBuffer().put((long[]) data);
            case FLOAT16 -> out.asShortBuffer().put((short[]) data);
            case FLOAT32 -> out.asFloatBuffer().put((float[]) data);
            case FLOAT64 -> out.asDoubleBuffer().put((double[]) data);
        }
        out.rewind();
        return b.setRawData(ByteString.copyFrom(out)).build();
    }
}
