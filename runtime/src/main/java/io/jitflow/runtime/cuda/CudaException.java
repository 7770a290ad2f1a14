package io.jitflow.runtime.cuda;

/** A CUDA driver call that failed: the message names the call and the driver's error. */
public final class CudaException extends RuntimeException {
    private final int code;

    CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The driver's {@code CUresult}. */
    public int code() {
        return code;
    }
}
