package io.jitflow.cpu;

/**
 * How the CPU backend generates code. {@code exact} code is scalar and bit-identical to the
 * reference interpreter (float32 matmuls sum in float64, as the reference does). Otherwise float
 * maps use the Vector API where it is present and {@code vectorize} asks for it, and float32
 * matmuls sum in float32.
 */
public record CpuCodeOptions(boolean exact, boolean vectorize) {
    /** Bit-identical to the reference. */
    public static final CpuCodeOptions EXACT = new CpuCodeOptions(true, false);
    /** Fast: the Vector API where present. */
    public static final CpuCodeOptions FAST = new CpuCodeOptions(false, true);

    /** Whether the generated class uses the Vector API: asked for, not exact, and the module is present. */
    public boolean usesVectorApi() {
        return vectorize && !exact && io.jitflow.runtime.VectorApi.PRESENT;
    }
}
