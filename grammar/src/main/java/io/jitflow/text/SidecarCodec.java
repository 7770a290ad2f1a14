package io.jitflow.text;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensor elements as raw little-endian bytes: the layout of sidecar files (bool is one byte, 0 or 1).
 * Tensors move in chunks of at most {@link #CHUNK_BYTES}, so one of any size (past 2 GiB of bytes)
 * needs no buffer as large as itself.
 */
final class SidecarCodec {
    static final int CHUNK_BYTES = 1 << 24;

    private SidecarCodec() {
    }

    /** A buffer for one chunk. */
    static ByteBuffer chunkBuffer() {
        return ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int chunkElements(DType dtype) {
        return CHUNK_BYTES / dtype.byteSize();
    }

    /** Puts elements [from, from + count) of {@code t} into {@code buf}, cleared first, and flips it. */
    static void encode(HostTensor t, int from, int count, ByteBuffer buf) {
        buf.clear();
        Object data = t.storage();
        switch (t.dtype()) {
            case BOOL -> {
                boolean[] a = (boolean[]) data;
                for (int i = from; i < from + count; i++) {
                    buf.put((byte) (a[i] ? 1 : 0));
                }
            }
            case UINT8 -> buf.put((byte[]) data, from, count);
            case INT32 -> buf.asIntBuffer().put((int[]) data, from, count);
            case INT64 -> buf.asLongBuffer().put((long[]) data, from, count);
            case FLOAT16 -> buf.asShortBuffer().put((short[]) data, from, count);
            case FLOAT32 -> buf.asFloatBuffer().put((float[]) data, from, count);
            case FLOAT64 -> buf.asDoubleBuffer().put((double[]) data, from, count);
        }
        buf.position(count * t.dtype().byteSize());
        buf.flip();
    }

    /** Reads {@code count} elements from {@code buf} into {@code array} from index {@code from}. */
    static void decode(ByteBuffer buf, DType dtype, Object array, int from, int count) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case BOOL -> {
                boolean[] a = (boolean[]) array;
                for (int i = from; i < from + count; i++) {
                    a[i] = buf.get() != 0;
                }
            }
            case UINT8 -> buf.get((byte[]) array, from, count);
            case INT32 -> buf.asIntBuffer().get((int[]) array, from, count);
            case INT64 -> buf.asLongBuffer().get((long[]) array, from, count);
            case FLOAT16 -> buf.asShortBuffer().get((short[]) array, from, count);
            case FLOAT32 -> buf.asFloatBuffer().get((float[]) array, from, count);
            case FLOAT64 -> buf.asDoubleBuffer().get((double[]) array, from, count);
        }
    }
}
