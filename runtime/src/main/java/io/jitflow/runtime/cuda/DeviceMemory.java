package io.jitflow.runtime.cuda;

import static io.jitflow.runtime.cuda.Cuda.check;
import static org.bytedeco.cuda.global.cudart.cuMemFree;
import static org.bytedeco.cuda.global.cudart.cuMemcpyDtoD;
import static org.bytedeco.cuda.global.cudart.cuMemcpyDtoH;
import static org.bytedeco.cuda.global.cudart.cuMemcpyDtoHAsync;
import static org.bytedeco.cuda.global.cudart.cuMemcpyHtoD;
import static org.bytedeco.cuda.global.cudart.cuMemcpyHtoDAsync;

import io.jitflow.ir.DType;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;

/**
 * A block of device memory. It is freed by {@link #close()} or, failing that, once it is
 * unreachable. Copies to and from Java arrays use each dtype's host storage (bool as one byte).
 */
public final class DeviceMemory implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicInteger PENDING_RELEASES = new AtomicInteger();

    private final CudaDevice device;
    private final long address;
    private final long bytes;
    private final Cleaner.Cleanable release;
    /** The stream whose queued kernels write this memory and may not have finished yet (null: none). */
    private volatile CUstream_st writer;

    DeviceMemory(CudaDevice device, long address, long bytes) {
        this.device = device;
        this.address = address;
        this.bytes = bytes;
        PENDING_RELEASES.incrementAndGet();
        this.release = CLEANER.register(this, () -> {
            device.makeCurrent();
            cuMemFree(address);
            PENDING_RELEASES.decrementAndGet();
        });
    }

    /** Gives the cleaner a moment to free what the last collection found unreachable. */
    static void awaitReleases() {
        int before = PENDING_RELEASES.get();
        for (int i = 0; i < 50 && PENDING_RELEASES.get() == before; i++) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public CudaDevice device() {
        return device;
    }

    /** The device address. */
    public long address() {
        return address;
    }

    public long bytes() {
        return bytes;
    }

    /** Records that kernels queued on {@code stream} write this memory; readers elsewhere wait for them. */
    void writtenOn(CUstream_st stream) {
        writer = stream;
    }

    /**
     * Waits until the kernels that write this memory have finished, unless they are queued on
     * {@code reader} (a stream runs its work in order; null: the host reads).
     */
    void awaitWriter(CUstream_st reader) {
        CUstream_st w = writer;
        if (w != null && w != reader) {
            device.synchronize(w);
            writer = null;
        }
    }

    /** Copies {@code array} (host storage of {@code dtype}) to the start of this memory. */
    public void upload(DType dtype, Object array) {
        ByteBuffer host = toBytes(dtype, array);
        if (host.limit() == 0) {
            return;
        }
        try (BytePointer staging = new BytePointer(host)) {
            device.makeCurrent();
            check(cuMemcpyHtoD(address, staging, host.limit()), "cuMemcpyHtoD");
        }
    }

    /** Copies {@code count} elements of {@code dtype} from the start of this memory into a new host array. */
    public Object download(DType dtype, int count) {
        long size = (long) count * dtype.byteSize();
        awaitWriter(null);
        try (BytePointer staging = new BytePointer(Math.max(size, 1))) {
            device.makeCurrent();
            check(cuMemcpyDtoH(staging, address, size), "cuMemcpyDtoH");
            return fromBytes(dtype, count, staging.asByteBuffer().order(ByteOrder.nativeOrder()));
        }
    }

    /** Queues a copy of the first {@code size} bytes of {@code from} to the start of this memory on {@code stream}. */
    void uploadAsync(PinnedMemory from, long size, CUstream_st stream) {
        device.makeCurrent();
        check(cuMemcpyHtoDAsync(address, from.bytes(), size, stream), "cuMemcpyHtoDAsync");
    }

    /** Queues a copy of the first {@code size} bytes of this memory to the start of {@code to} on {@code stream}. */
    void downloadAsync(PinnedMemory to, long size, CUstream_st stream) {
        device.makeCurrent();
        check(cuMemcpyDtoHAsync(to.bytes(), address, size, stream), "cuMemcpyDtoHAsync");
    }

    /** Copies {@code bytes} bytes from {@code from} (at its byte {@code fromOffset}) to this memory at byte {@code offset}. */
    public void copy(DeviceMemory from, long fromOffset, long offset, long bytes) {
        if (bytes == 0) {
            return;
        }
        from.awaitWriter(null);
        awaitWriter(null);
        device.makeCurrent();
        check(cuMemcpyDtoD(address + offset, from.address + fromOffset, bytes), "cuMemcpyDtoD");
    }

    @Override
    public void close() {
        release.clean();
    }

    /**
     * Queues a copy of {@code array} (host storage of {@code dtype}) to the start of this memory on
     * {@code stream}, through {@code staging}, which must hold it and stay untouched until the
     * stream has done the copy.
     */
    void uploadAsync(DType dtype, Object array, PinnedMemory staging, CUstream_st stream) {
        int bytes = java.lang.reflect.Array.getLength(array) * dtype.byteSize();
        if (bytes == 0) {
            return;
        }
        fill(staging.bytes().asByteBuffer().order(ByteOrder.nativeOrder()), dtype, array);
        uploadAsync(staging, bytes, stream);
    }

    private static ByteBuffer toBytes(DType dtype, Object array) {
        int n = java.lang.reflect.Array.getLength(array);
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, n * dtype.byteSize())).order(ByteOrder.nativeOrder());
        fill(b, dtype, array);
        b.clear();
        return b.limit(n * dtype.byteSize());
    }

    /** Writes {@code array} (host storage of {@code dtype}) into {@code b} from its start. */
    private static void fill(ByteBuffer b, DType dtype, Object array) {
        switch (dtype) {
            case BOOL -> {
                for (boolean v : (boolean[]) array) {
                    b.put((byte) (v ? 1 : 0));
                }
            }
            case UINT8 -> b.put((byte[]) array);
            case INT32 -> b.asIntBuffer().put((int[]) array);
            case INT64 -> b.asLongBuffer().put((long[]) array);
            case FLOAT16 -> b.asShortBuffer().put((short[]) array);
            case FLOAT32 -> b.asFloatBuffer().put((float[]) array);
            case FLOAT64 -> b.asDoubleBuffer().put((double[]) array);
        }
    }

    private static Object fromBytes(DType dtype, int n, ByteBuffer b) {
        switch (dtype) {
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = b.get(i) != 0;
                }
                return a;
            }
            case UINT8 -> {
                byte[] a = new byte[n];
                b.get(a);
                return a;
            }
            case INT32 -> {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                return a;
            }
            case INT64 -> {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                return a;
            }
            case FLOAT16 -> {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                return a;
            }
            default -> {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                return a;
            }
        }
    }
}
