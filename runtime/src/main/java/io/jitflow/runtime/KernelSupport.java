package io.jitflow.runtime;

import io.jitflow.ir.EvaluationException;

/**
 * Scalar routines generated code calls where one JVM instruction is not enough: checked integer
 * division, floor modulo, integer powers, float16 rounding, run-time errors (and {@link KernelMath}
 * for erf and Phi). Each matches the reference semantics, written apart from the reference.
 */
public final class KernelSupport {
    private KernelSupport() {
    }

    /**
     * Bootstrap of a constant int[] in generated code (a static shape, a convolution's strides): the
     * JVM resolves it once per class, so a kernel passes it to the runtime without allocating;
     * the runtime only reads such arrays.
     */
    public static int[] constantInts(java.lang.invoke.MethodHandles.Lookup lookup, String name, Class<?> type,
                                     int... values) {
        return values;
    }

    public static int div(int a, int b) {
        return a / nonZero(b, "div");
    }

    public static long div(long a, long b) {
        return a / nonZero(b, "div");
    }

    public static int floorDiv(int a, int b) {
        return Math.floorDiv(a, nonZero(b, "floor_div"));
    }

    public static long floorDiv(long a, long b) {
        return Math.floorDiv(a, nonZero(b, "floor_div"));
    }

    public static int floorMod(int a, int b) {
        return Math.floorMod(a, nonZero(b, "mod"));
    }

    public static long floorMod(long a, long b) {
        return Math.floorMod(a, nonZero(b, "mod"));
    }

    /** Floor modulo of floats: the remainder moved into the divisor's sign, as TensorFlow's mod. */
    public static double floorMod(double a, double b) {
        double remainder = a % b;
        boolean signsDiffer = remainder < 0 ? b > 0 : remainder > 0 && b < 0;
        return signsDiffer ? remainder + b : remainder;
    }

    /**
     * base^exponent wrapping as long multiplication does, from the exponent's highest bit down
     * (a negative exponent is an error, as in TensorFlow).
     */
    public static long pow(long base, long exponent) {
        if (exponent < 0) {
            throw new EvaluationException("pow: integers to negative integer powers are not allowed (exponent "
                    + exponent + ")");
        }
        long result = 1;
        for (int bit = 63 - Long.numberOfLeadingZeros(exponent); bit >= 0; bit--) {
            result *= result;
            if ((exponent >>> bit & 1) != 0) {
                result *= base;
            }
        }
        return result;
    }

    private static int nonZero(int b, String op) {
        if (b == 0) {
            throw new EvaluationException(op + ": integer division by zero");
        }
        return b;
    }

    private static long nonZero(long b, String op) {
        if (b == 0) {
            throw new EvaluationException(op + ": integer division by zero");
        }
        return b;
    }

    /** Float to uint8 as cast defines it: truncate, saturate to [0, 255], NaN gives 0. */
    public static int toUint8(double value) {
        if (Double.isNaN(value)) {
            return 0;
        }
        return (int) Math.max(0, Math.min(255, value));
    }

    /** Rounds to the nearest float16 and back, as storing to a float16 tensor does. */
    public static float roundToHalf(double value) {
        return io.jitflow.ir.Float16.toFloat(io.jitflow.ir.Float16.fromDouble(value));
    }

    private static final ThreadLocal<double[][]> ROW_ACCUMULATORS = ThreadLocal.withInitial(() -> new double[1][0]);

    /**
     * This thread's array of at least {@code count} float64 accumulators for a reduction folded row
     * by row (a bias gradient), kept between calls: the kernel sets every one it uses before it reads
     * it, and one kernel's reduction is done before the thread runs another's.
     */
    public static double[] rowAccumulators(int count) {
        double[][] holder = ROW_ACCUMULATORS.get();
        if (holder[0].length < count) {
            holder[0] = new double[count];
        }
        return holder[0];
    }

    public static RuntimeException fail(String message) {
        throw new EvaluationException(message);
    }

    /** scatter_add on whole arrays (see {@link ScatterAdd}): the CPU backend's kernel for it. */
    public static void scatterAdd(Object x, int[] xShape, Object indices, int[] indexShape, Object updates,
                                  int[] updateShape, Object out, int axis, int batchDims) {
        ScatterAdd.run(x, xShape, indices, indexShape, updates, updateShape, out, axis, batchDims);
    }
}
