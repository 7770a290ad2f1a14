package io.jitflow.cuda;

/**
 * What the PTX is written for: the PTX ISA version of its {@code .version} line and the
 * {@code .target} architecture. The default, ISA 7.0 for sm_70, is accepted by CUDA 12 and 13
 * drivers, which compile it for any newer GPU.
 */
public record PtxTarget(String isaVersion, String architecture) {
    public static final PtxTarget DEFAULT = new PtxTarget("7.0", "sm_70");

    public PtxTarget {
        if (!isaVersion.matches("\\d+\\.\\d+") || !architecture.matches("sm_\\d+[a-z]?")) {
            throw new IllegalArgumentException("bad PTX target " + isaVersion + " / " + architecture
                    + " (expected e.g. 7.0 and sm_70)");
        }
    }
}
