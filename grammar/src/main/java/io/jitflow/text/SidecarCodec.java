package io.jitflow.text;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Tensor elements as raw little-endian bytes: the layout of sidecar files (bool is one byte, 0 or 1). */
final class SidecarCodec {
    private SidecarCodec() {
    }

    static ByteBuffer encode(HostTensor t) {
        ByteBuffer buf = ByteBuffer.allocate(t.size() * t.dtype().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case BOOL -> {
                for (boolean b : (boolean[]) t.storage()) {
                    buf.put((byte) (b ? 1 : 0));
                }
            }
            case UINT8 -> buf.put((byte[]) t.storage());
            case INT32 -> buf.asIntBuffer().put((int[]) t.storage());
            case INT64 -> buf.asLongBuffer().put((long[]) t.storage());
            case FLOAT16 -> buf.asShortBuffer().put((short[]) t.storage());
            case FLOAT32 -> buf.asFloatBuffer().put((float[]) t.storage());
            case FLOAT64 -> buf.asDoubleBuffer().put((double[]) t.storage());
        }
        buf.rewind();
        return buf;
    }

    static HostTensor decode(ByteBuffer buf, DType dtype, int[] shape, int count) {
        buf.order(ByteOrder.LITTLE_ENDIAN);
        Object data;
        switch (dtype) {
            case BOOL -> {
                boolean[] a = new boolean[count];
                for (int i = 0; i < count; i++) {
                    a[i] = buf.get() != 0;
                }
                data = a;
            }
            case UINT8 -> {
                byte[] a = new byte[count];
                buf.get(a);
                data = a;
            }
            case INT32 -> {
                int[] a = new int[count];
                buf.asIntBuffer().get(a);
                data = a;
            }
            case INT64 -> {
                long[] a = new long[count];
                buf.asLongBuffer().get(a);
                data = a;
            }
            case FLOAT16 -> {
                short[] a = new short[count];
                buf.asShortBuffer().get(a);
                data = a;
            }
            case FLOAT32 -> {
                float[] a = new float[count];
                buf.asFloatBuffer().get(a);
                data = a;
            }
            case FLOAT64 -> {
                double[] a = new double[count];
                buf.asDoubleBuffer().get(a);
                data = a;
            }
            default -> throw new IllegalStateException();
        }
        return HostTensor.wrap(dtype, shape, data);
    }
}
