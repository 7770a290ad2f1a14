package io.jitflow.runtime;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;

/**
 * Scratch lanes for a row's last, partial vector in generated code, which uses no masks: on JDK 17
 * a masked load near an array's end, a masked store and {@code indexInRange} run as Java code that
 * allocates (about 100 bytes a row: a softmax over 128 rows of 10 classes allocated 20 KB a call).
 * A partial load reads a whole vector where one fits in the array (the lanes past the row's end are
 * computed and never stored; lanes never mix), else the row's last elements {@linkplain #copy copied}
 * to a per-thread scratch vector; a partial store writes the whole vector to the scratch vector and
 * copies its first lanes out. Every stored lane is computed by the same lane operations as in a
 * whole vector, so the results are the same bits as a masked vector's.
 */
public final class VectorTails {
    private static final ThreadLocal<float[]> FLOAT_LANES =
            ThreadLocal.withInitial(() -> new float[FloatVector.SPECIES_PREFERRED.length()]);
    private static final ThreadLocal<double[]> DOUBLE_LANES =
            ThreadLocal.withInitial(() -> new double[DoubleVector.SPECIES_PREFERRED.length()]);

    private VectorTails() {
    }

    /** This thread's scratch vector of float lanes. */
    public static float[] floatLanes() {
        return FLOAT_LANES.get();
    }

    /** This thread's scratch vector of double lanes. */
    public static double[] doubleLanes() {
        return DOUBLE_LANES.get();
    }

    /** Copies the {@code count} (less than a vector) elements at {@code at} to the first lanes of {@code lanes}. */
    public static float[] copy(float[] a, int at, int count, float[] lanes) {
        System.arraycopy(a, at, lanes, 0, count);
        return lanes;
    }

    public static double[] copy(double[] a, int at, int count, double[] lanes) {
        System.arraycopy(a, at, lanes, 0, count);
        return lanes;
    }
}
