package io.jitflow.runtime.cuda;

import io.jitflow.ir.HostTensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.bytedeco.cuda.cudart.CUstream_st;

/**
 * A program's host inputs on their way to the device: copied from page-locked staging on a stream
 * of their own, so that one call's copies overlap the previous call's kernels, which the kernels of
 * the same call wait for by an event (on the device, not on the host). Two staging sets alternate,
 * so refilling one waits only for the copies of the call before last. Not thread-safe: its
 * executable serializes its runs.
 */
final class InputUploads {
    private final CudaDevice device;
    private final CUstream_st copies;
    private final Staging[] sets = {new Staging(), new Staging()};
    private int next;

    /** One staging set: page-locked memory per input name, and the event that marks its copies done. */
    private static final class Staging {
        final Map<String, PinnedMemory> memory = new HashMap<>();
        CUevent_st copied;
    }

    InputUploads(CudaDevice device) {
        this.device = device;
        this.copies = device.newStream();
    }

    /** Queues the copies of {@code inputs} to new device memory; work queued on {@code compute} afterwards waits for them. */
    Map<String, DeviceArray> upload(Map<String, HostTensor> inputs, CUstream_st compute) {
        Staging set = sets[next];
        next ^= 1;
        if (set.copied == null) {
            set.copied = device.newEvent();
        } else {
            device.synchronize(set.copied);
        }
        Map<String, DeviceArray> arrays = new LinkedHashMap<>();
        inputs.forEach((name, value) -> {
            long bytes = (long) value.size() * value.dtype().byteSize();
            PinnedMemory staging = set.memory.get(name);
            if (staging == null || staging.bytes().capacity() < bytes) {
                staging = new PinnedMemory(device, bytes);
                set.memory.put(name, staging);
            }
            DeviceMemory memory = device.allocate(bytes);
            memory.uploadAsync(value.dtype(), value.storage(), staging, copies);
            arrays.put(name, new DeviceArray(value.dtype(), value.shape(), memory));
        });
        device.record(set.copied, copies);
        device.await(compute, set.copied);
        return arrays;
    }
}
