package io.jitflow.ir.ops;

import io.jitflow.ir.Dim;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * NumPy broadcasting: shapes are aligned at their last dim; a dim of 1 stretches to the other. With
 * symbolic dims: {@code batch} with 1 is {@code batch}, {@code batch} with {@code batch} is {@code batch},
 * {@code batch} with a static n other than 1 is n (checked when the function runs), and two
 * different names are an error.
 */
public final class Broadcasting {
    private Broadcasting() {
    }

    /** The broadcast of every operand's shape in {@code call}. */
    public static Shape inferShape(InferCall call) {
        Shape result = call.operand(0).shape();
        for (int i = 1; i < call.operands().size(); i++) {
            Shape next = call.operand(i).shape();
            Shape combined = broadcast(result, next);
            if (combined == null) {
                throw call.error("operands cannot be broadcast together: " + call.describeOperands()
                        + " (each dim must be equal or 1)");
            }
            result = combined;
        }
        return result;
    }

    /** The broadcast of two static-or-symbolic shapes, or {@code null} if they do not broadcast. */
    public static Shape broadcast(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        Dim[] dims = new Dim[rank];
        for (int i = 0; i < rank; i++) {
            Dim da = i < rank - a.rank() ? Dim.of(1) : a.dim(i - (rank - a.rank()));
            Dim db = i < rank - b.rank() ? Dim.of(1) : b.dim(i - (rank - b.rank()));
            Dim d = broadcastDim(da, db);
            if (d == null) {
                return null;
            }
            dims[i] = d;
        }
        return Shape.of(dims);
    }

    private static Dim broadcastDim(Dim a, Dim b) {
        if (a.equals(b)) {
            return a;
        }
        if (a.isStatic() && a.size() == 1) {
            return b;
        }
        if (b.isStatic() && b.size() == 1) {
            return a;
        }
        if (a.isStatic() && b.isStatic()) {
            return null;
        }
        if (!a.isStatic() && !b.isStatic()) {
            return null;
        }
        return a.isStatic() ? a : b;
    }

    /** The broadcast of concrete shapes, or an evaluation error naming them. */
    public static int[] broadcast(String op, List<int[]> shapes) {
        int rank = 0;
        for (int[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        for (int[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = rank - s.length + i;
                if (out[o] == 1) {
                    out[o] = s[i];
                } else if (s[i] != 1 && s[i] != out[o]) {
                    StringBuilder sb = new StringBuilder();
                    for (int[] t : shapes) {
                        sb.append(sb.length() > 0 ? " and " : "").append(Arrays.toString(t));
                    }
                    throw new EvaluationException(op + ": shapes " + sb + " cannot be broadcast together");
                }
            }
        }
        return out;
    }

    /**
     * The strides to read an input of shape {@code in} while walking an output of shape {@code out}
     * in row-major order: 0 along broadcast (or missing leading) dims.
     */
    public static int[] stridesFor(int[] in, int[] out) {
        int[] strides = new int[out.length];
        int stride = 1;
        for (int i = in.length - 1; i >= 0; i--) {
            int o = out.length - in.length + i;
            strides[o] = in[i] == 1 && out[o] != 1 ? 0 : stride;
            stride *= in[i];
        }
        return strides;
    }

    /** The flat input index for output element {@code flat}, given {@link #stridesFor} strides. */
    public static int sourceIndex(int flat, int[] out, int[] strides) {
        int index = 0;
        for (int d = out.length - 1; d >= 0; d--) {
            int coordinate = flat % out[d];
            flat /= out[d];
            index += coordinate * strides[d];
        }
        return index;
    }

    /** Row-major strides of a shape. */
    public static int[] rowMajorStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= shape[i];
        }
        return strides;
    }
}
