package io.jitflow.bench;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * OpenBLAS's sgemm through JavaCPP's presets (the library comes in the platform jar): the peer of
 * Jitflow's float32 matmul, on operands in native memory so that no copy is timed.
 */
public final class OpenBlas implements AutoCloseable {
    private final int n;
    private final FloatPointer a;
    private final FloatPointer b;
    private final FloatPointer c;

    /** Row-major n x n operands holding {@code a} and {@code b}. */
    public OpenBlas(int n, float[] a, float[] b) {
        this.n = n;
        this.a = new FloatPointer(a);
        this.b = new FloatPointer(b);
        this.c = new FloatPointer((long) n * n);
    }

    /** Why OpenBLAS cannot run here, or null when it can. */
    public static String unavailableReason() {
        try {
            org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
            return null;
        } catch (Throwable e) { // UnsatisfiedLinkError and what the loader wraps it in
            return "OpenBLAS cannot be loaded: " + e;
        }
    }

    /** Sets the threads OpenBLAS uses. */
    public static void threads(int count) {
        openblas_nolapack.blas_set_num_threads(count);
    }

    /** c = a b. */
    public void sgemm() {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, n, n, n, 1f, a, n, b, n, 0f, c, n);
    }

    /** The product's elements. */
    public float[] result() {
        float[] out = new float[n * n];
        c.get(out);
        return out;
    }

    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
    }
}
