package io.jitflow.runtime.cuda;

import static io.jitflow.runtime.cuda.Cuda.check;
import static org.bytedeco.cuda.global.cudart.cuMemAllocHost;
import static org.bytedeco.cuda.global.cudart.cuMemFreeHost;

import java.lang.ref.Cleaner;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Page-locked host memory: the GPU's copy engines read and write it directly, so copies between it
 * and device memory can be queued on a stream and the host goes on meanwhile. Freed once
 * unreachable.
 */
final class PinnedMemory {
    private static final Cleaner CLEANER = Cleaner.create();

    private final BytePointer bytes;

    PinnedMemory(CudaDevice device, long size) {
        device.makeCurrent();
        PointerPointer<Pointer> out = new PointerPointer<>(1);
        check(cuMemAllocHost(out, Math.max(size, 1)), "cuMemAllocHost of " + size + " bytes");
        Pointer allocated = out.get(0);
        this.bytes = new BytePointer(allocated).capacity(size);
        CLEANER.register(this, () -> {
            device.makeCurrent();
            cuMemFreeHost(allocated);
        });
    }

    /** The memory, to read and write from Java (its byte offsets are those of the copies). */
    BytePointer bytes() {
        return bytes;
    }
}
