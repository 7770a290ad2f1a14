package io.jitflow.runtime.cuda;

import static io.jitflow.runtime.cuda.Cuda.check;
import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.CU_JIT_ERROR_LOG_BUFFER;
import static org.bytedeco.cuda.global.cudart.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadDataEx;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A PTX module loaded on a device, compiled by the driver's JIT for that GPU. Modules live as
 * long as the process (programs are cached for its lifetime too).
 */
public final class CudaModule {
    private static final int LOG_BYTES = 16 * 1024;

    private final CudaDevice device;
    private final CUmod_st module = new CUmod_st();
    private final Map<String, CUfunc_st> functions = new HashMap<>();

    CudaModule(CudaDevice device, String ptx) {
        this.device = device;
        try (BytePointer image = new BytePointer(ptx.getBytes(StandardCharsets.UTF_8).length + 1);
                BytePointer log = new BytePointer(LOG_BYTES);
                IntPointer options = new IntPointer(CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
                LongPointer slots = new LongPointer(log.address(), LOG_BYTES);
                // void** option values: the log buffer's address, then its size as a pointer-sized integer.
                PointerPointer<Pointer> values = new PointerPointer<>(slots)) {
            byte[] text = ptx.getBytes(StandardCharsets.UTF_8);
            image.put(text).put(text.length, (byte) 0);
            int result = cuModuleLoadDataEx(module, image, 2, options, values);
            if (result != CUDA_SUCCESS) {
                throw new CudaException("cuModuleLoadDataEx failed on " + device + ": " + Cuda.describe(result)
                        + "\nPTX JIT log:\n" + untilNul(log.getString()).strip(), result);
            }
        }
    }

    private static String untilNul(String text) {
        int end = text.indexOf('\0');
        return end < 0 ? text : text.substring(0, end);
    }

    /** The entry named {@code name}. */
    synchronized CUfunc_st function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunc_st f = new CUfunc_st();
            check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction(" + n + ")");
            return f;
        });
    }

    /**
     * Queues entry {@code name} on {@code stream}, on {@code blocks} blocks of {@code threads}
     * threads; {@code parameters} points at one pointer per parameter, each pointing at the
     * parameter's value.
     */
    void launch(String name, int blocks, int threads, PointerPointer<Pointer> parameters, CUstream_st stream) {
        CUfunc_st f = function(name);
        device.makeCurrent();
        check(cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, stream, parameters, null), "cuLaunchKernel(" + name + ")");
    }
}
