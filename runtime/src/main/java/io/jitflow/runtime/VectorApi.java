package io.jitflow.runtime;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the JDK's Vector API (the incubator module {@code jdk.incubator.vector}) is on the module
 * path. Without it the CPU kernels still run, on scalar loops, several times slower; so the first
 * compile without it says so, once, through the {@code io.jitflow} {@link System.Logger}.
 */
public final class VectorApi {
    public static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    static final String MISSING = "jdk.incubator.vector is not on the module path, so Jitflow's CPU kernels run"
            + " without SIMD (fit and matmuls several times slower). Add --add-modules jdk.incubator.vector to the"
            + " JVM's options: on the java command line; in MAVEN_OPTS or exec:java's <jvmArgs> (exec:exec);"
            + " in Surefire's <argLine>; in the IDE's VM options of the run configuration.";

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private VectorApi() {
    }

    /** Warns once per JVM when the Vector API is missing. */
    public static void warnIfMissing() {
        if (!PRESENT && WARNED.compareAndSet(false, true)) {
            System.getLogger("io.jitflow").log(System.Logger.Level.WARNING, MISSING);
        }
    }
}
