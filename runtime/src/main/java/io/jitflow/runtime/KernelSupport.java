package io.jitflow.runtime;

import io.jitflow.ir.EvaluationException;

/**
 * Scalar routines generated code calls where one JVM instruction is not enough: checked integer
 * division, float16 rounding, run-time errors. (Integer powers come from graph-ir's ScalarMath.) Each matches the reference semantics.
 */
public final class KernelSupport {
    private KernelSupport() {
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

    public static RuntimeException fail(String message) {
        throw new EvaluationException(message);
    }

    /**
     * scatter_add on whole arrays, by the op's reference semantics: the CPU backend has no loop nest
     * of its own for it yet, so generated code calls this.
     */
    public static void scatterAdd(Object x, int[] xShape, Object indices, int[] indexShape, Object updates,
                                  int[] updateShape, Object out, int axis, int batchDims) {
        java.util.List<io.jitflow.ir.HostTensor> operands = java.util.List.of(wrap(x, xShape), wrap(indices, indexShape),
                wrap(updates, updateShape));
        io.jitflow.ir.Attributes attrs = io.jitflow.ir.Attributes.builder().put("axis", axis)
                .put("batch_dims", batchDims).build();
        io.jitflow.ir.HostTensor result = io.jitflow.ir.Op.SCATTER_ADD.definition().evaluation()
                .evaluate(new io.jitflow.ir.EvalCall(io.jitflow.ir.Op.SCATTER_ADD, operands, attrs, null)).get(0);
        System.arraycopy(result.storage(), 0, out, 0, result.size());
    }

    private static io.jitflow.ir.HostTensor wrap(Object array, int[] shape) {
        io.jitflow.ir.DType dtype;
        if (array instanceof float[]) {
            dtype = io.jitflow.ir.DType.FLOAT32;
        } else if (array instanceof double[]) {
            dtype = io.jitflow.ir.DType.FLOAT64;
        } else if (array instanceof int[]) {
            dtype = io.jitflow.ir.DType.INT32;
        } else if (array instanceof long[]) {
            dtype = io.jitflow.ir.DType.INT64;
        } else if (array instanceof short[]) {
            dtype = io.jitflow.ir.DType.FLOAT16;
        } else if (array instanceof byte[]) {
            dtype = io.jitflow.ir.DType.UINT8;
        } else {
            dtype = io.jitflow.ir.DType.BOOL;
        }
        return io.jitflow.ir.HostTensor.wrap(dtype, shape, array);
    }
}
