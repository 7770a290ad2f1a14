package io.jitflow.runtime.cuda;

/** Thrown when a CUDA device is asked for where none can be used; the message says why. */
public final class CudaUnavailableException extends RuntimeException {
    CudaUnavailableException(String message) {
        super(message);
    }
}
