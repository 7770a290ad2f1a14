package io.jitflow.runtime.cuda;

import static org.bytedeco.cuda.global.cudart.CUDA_SUCCESS;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetCount;
import static org.bytedeco.cuda.global.cudart.cuDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cuGetErrorName;
import static org.bytedeco.cuda.global.cudart.cuGetErrorString;
import static org.bytedeco.cuda.global.cudart.cuInit;

import org.bytedeco.javacpp.BytePointer;

/**
 * The CUDA driver, loaded on first use through JavaCPP. Nothing touches native code before a
 * CUDA device is asked for; where the driver, its libraries or a GPU are missing, that request
 * throws {@link CudaUnavailableException} naming the reason, and {@link #isAvailable()} is false.
 * {@code -Djitflow.cuda=off} makes CUDA unavailable on purpose.
 */
public final class Cuda {
    private Cuda() {
    }

    /** Loaded and initialized once, on first access: either {@code failure} or a driver with devices. */
    private static final class Driver {
        static final String FAILURE;
        static final int VERSION;
        static final CudaDevice[] DEVICES;

        static {
            String failure = null;
            int version = 0;
            CudaDevice[] devices = new CudaDevice[0];
            if ("off".equals(System.getProperty("jitflow.cuda"))) {
                failure = "CUDA is turned off (-Djitflow.cuda=off)";
            } else {
                try {
                    check(cuInit(0), "cuInit");
                    int[] value = new int[1];
                    check(cuDriverGetVersion(value), "cuDriverGetVersion");
                    version = value[0];
                    check(cuDeviceGetCount(value), "cuDeviceGetCount");
                    devices = new CudaDevice[value[0]];
                    if (devices.length == 0) {
                        failure = "the CUDA driver reports no GPU";
                    }
                } catch (LinkageError e) {
                    failure = "the CUDA driver could not be loaded (" + rootCause(e) + ")";
                } catch (CudaException e) {
                    failure = "the CUDA driver could not be initialized (" + e.getMessage() + ")";
                }
            }
            FAILURE = failure;
            VERSION = version;
            DEVICES = devices;
        }
    }

    /** The innermost message: JavaCPP wraps the loader's own reason (such as a missing libcuda.so.1). */
    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int library = message.indexOf(".so: ");
        return library >= 0 ? message.substring(library + ".so: ".length()) : message;
    }

    /** Whether at least one CUDA device can be used. */
    public static boolean isAvailable() {
        return Driver.FAILURE == null;
    }

    /** Why no CUDA device can be used, or null when one can. */
    public static String unavailableReason() {
        return Driver.FAILURE;
    }

    /** The number of CUDA devices. */
    public static int deviceCount() {
        requireAvailable();
        return Driver.DEVICES.length;
    }

    /** The driver's CUDA version, e.g. 13000 for 13.0. */
    public static int driverVersion() {
        requireAvailable();
        return Driver.VERSION;
    }

    /** CUDA device {@code ordinal}, its primary context retained on first use. */
    public static CudaDevice device(int ordinal) {
        requireAvailable();
        if (ordinal < 0 || ordinal >= Driver.DEVICES.length) {
            throw new CudaUnavailableException("there is no CUDA device " + ordinal + " (this machine has "
                    + Driver.DEVICES.length + ")");
        }
        synchronized (Driver.DEVICES) {
            if (Driver.DEVICES[ordinal] == null) {
                Driver.DEVICES[ordinal] = new CudaDevice(ordinal);
            }
            return Driver.DEVICES[ordinal];
        }
    }

    private static void requireAvailable() {
        if (Driver.FAILURE != null) {
            throw new CudaUnavailableException("no CUDA device can be used: " + Driver.FAILURE);
        }
    }

    /** Throws a {@link CudaException} naming {@code call} unless {@code result} is success. */
    static void check(int result, String call) {
        if (result != CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + describe(result), result);
        }
    }

    static String describe(int result) {
        BytePointer name = new BytePointer((BytePointer) null);
        BytePointer text = new BytePointer((BytePointer) null);
        boolean named = cuGetErrorName(result, name) == CUDA_SUCCESS && !name.isNull();
        boolean explained = cuGetErrorString(result, text) == CUDA_SUCCESS && !text.isNull();
        return (named ? name.getString() : "CUresult " + result) + (explained ? " (" + text.getString() + ")" : "");
    }
}
