package io.jitflow.runtime.cuda;

import static io.jitflow.runtime.cuda.Cuda.check;
import static org.bytedeco.cuda.global.cudart.CUDA_ERROR_OUT_OF_MEMORY;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static org.bytedeco.cuda.global.cudart.cuCtxSetCurrent;
import static org.bytedeco.cuda.global.cudart.cuCtxSynchronize;
import static org.bytedeco.cuda.global.cudart.cuDeviceGet;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetName;
import static org.bytedeco.cuda.global.cudart.cuDeviceTotalMem;
import static org.bytedeco.cuda.global.cudart.cuDevicePrimaryCtxRetain;
import static org.bytedeco.cuda.global.cudart.cuMemAlloc;
import static org.bytedeco.cuda.global.cudart.CU_EVENT_DISABLE_TIMING;
import static org.bytedeco.cuda.global.cudart.cuEventCreate;
import static org.bytedeco.cuda.global.cudart.cuEventRecord;
import static org.bytedeco.cuda.global.cudart.cuEventSynchronize;
import static org.bytedeco.cuda.global.cudart.cuStreamCreate;
import static org.bytedeco.cuda.global.cudart.cuStreamSynchronize;
import static org.bytedeco.cuda.global.cudart.cuStreamWaitEvent;

import org.bytedeco.cuda.cudart.CUctx_st;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * One GPU and its primary context (the context the CUDA runtime API would use, shared with any
 * other library in the process). Every call makes the context current on the calling thread
 * first, so a device can be used from any thread.
 */
public final class CudaDevice {
    private final int ordinal;
    private final String name;
    private final int major;
    private final int minor;
    private final int multiprocessors;
    private final long totalMemory;
    private final CUctx_st context = new CUctx_st();

    CudaDevice(int ordinal) {
        this.ordinal = ordinal;
        int[] handle = new int[1];
        check(cuDeviceGet(handle, ordinal), "cuDeviceGet");
        int device = handle[0];
        byte[] text = new byte[256];
        check(cuDeviceGetName(text, text.length, device), "cuDeviceGetName");
        int length = 0;
        while (length < text.length && text[length] != 0) {
            length++;
        }
        this.name = new String(text, 0, length, java.nio.charset.StandardCharsets.UTF_8);
        this.major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        this.minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        this.multiprocessors = attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
        try (SizeTPointer bytes = new SizeTPointer(1)) {
            check(cuDeviceTotalMem(bytes, device), "cuDeviceTotalMem");
            this.totalMemory = bytes.get();
        }
        check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
    }

    private static int attribute(int attribute, int device) {
        int[] value = new int[1];
        check(cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute");
        return value[0];
    }

    public int ordinal() {
        return ordinal;
    }

    public String name() {
        return name;
    }

    /** The compute capability, e.g. {@code "9.0"}. */
    public String computeCapability() {
        return major + "." + minor;
    }

    public int multiprocessors() {
        return multiprocessors;
    }

    public long totalMemory() {
        return totalMemory;
    }

    /** Makes this device's context current on the calling thread. */
    void makeCurrent() {
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /**
     * Allocates {@code bytes} of device memory (at least one byte, 256-byte aligned). When the
     * device is full, unreachable allocations are collected once before giving up.
     */
    public DeviceMemory allocate(long bytes) {
        makeCurrent();
        long[] address = new long[1];
        int result = cuMemAlloc(address, Math.max(bytes, 1));
        if (result == CUDA_ERROR_OUT_OF_MEMORY) {
            System.gc();
            DeviceMemory.awaitReleases();
            result = cuMemAlloc(address, Math.max(bytes, 1));
        }
        check(result, "cuMemAlloc of " + bytes + " bytes on " + this);
        return new DeviceMemory(this, address[0], bytes);
    }

    /** Loads a PTX module, which the driver compiles for this GPU (its log is in any failure's message). */
    public CudaModule load(String ptx) {
        makeCurrent();
        return new CudaModule(this, ptx);
    }

    /**
     * A new stream: work queued on it runs in order, and may overlap work on other streams. It is a
     * blocking stream, so the synchronous copies of the default stream still wait for it.
     */
    CUstream_st newStream() {
        makeCurrent();
        CUstream_st stream = new CUstream_st();
        check(cuStreamCreate(stream, 0), "cuStreamCreate");
        return stream;
    }

    /** A new event, to mark a point in a stream's work that another stream or the host waits for. */
    CUevent_st newEvent() {
        makeCurrent();
        CUevent_st event = new CUevent_st();
        check(cuEventCreate(event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
        return event;
    }

    /** Marks {@code event} at the end of the work queued on {@code stream} so far. */
    void record(CUevent_st event, CUstream_st stream) {
        makeCurrent();
        check(cuEventRecord(event, stream), "cuEventRecord");
    }

    /** Makes the work queued on {@code stream} from now on wait (on the device) for {@code event}. */
    void await(CUstream_st stream, CUevent_st event) {
        makeCurrent();
        check(cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
    }

    /** Waits until the work before {@code event}'s last record is done. */
    void synchronize(CUevent_st event) {
        makeCurrent();
        check(cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Waits until the work queued on {@code stream} is done. */
    void synchronize(CUstream_st stream) {
        makeCurrent();
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Waits until all work queued on this device is done. */
    public void synchronize() {
        makeCurrent();
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal + " (" + name + ", compute capability " + computeCapability() + ")";
    }
}
