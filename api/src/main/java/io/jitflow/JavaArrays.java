package io.jitflow;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;

/** Conversions between nested Java arrays of any rank and host tensors. */
final class JavaArrays {
    private JavaArrays() {
    }

    /** The dtype a Java element type stands for: float, double, int, long, boolean, byte (uint8). */
    static DType dtypeOf(Class<?> element) {
        if (element == float.class || element == Float.class) {
            return DType.FLOAT32;
        }
        if (element == double.class || element == Double.class) {
            return DType.FLOAT64;
        }
        if (element == int.class || element == Integer.class) {
            return DType.INT32;
        }
        if (element == long.class || element == Long.class) {
            return DType.INT64;
        }
        if (element == boolean.class || element == Boolean.class) {
            return DType.BOOL;
        }
        if (element == byte.class || element == Byte.class) {
            return DType.UINT8;
        }
        throw new IllegalArgumentException("cannot make a tensor of " + element.getName()
                + " (use float, double, int, long, boolean or byte, or arrays of them)");
    }

    /** A tensor of {@code array} (a Java scalar or a rectangular primitive array of any rank), converted to {@code dtype}. */
    static HostTensor fromNested(Object array, DType dtype) {
        List<Integer> shape = new ArrayList<>();
        Class<?> type = array.getClass();
        Object probe = array;
        while (type.isArray()) {
            int n = Array.getLength(probe);
            shape.add(n);
            type = type.getComponentType();
            if (type.isArray()) {
                if (n == 0) {
                    throw new IllegalArgumentException("cannot infer the shape of an empty nested array");
                }
                probe = Array.get(probe, 0);
            }
        }
        DType source = dtypeOf(type);
        DType target = dtype == null ? source : dtype;
        int[] dims = shape.stream().mapToInt(Integer::intValue).toArray();
        HostTensor.Writer out = HostTensor.writer(target, dims);
        int[] next = {0};
        fill(array, dims, 0, source, out, next);
        return out.build();
    }

    private static void fill(Object a, int[] dims, int axis, DType source, HostTensor.Writer out, int[] next) {
        if (axis == dims.length) {
            store(a, source, out, next[0]++);
            return;
        }
        int n = Array.getLength(a);
        if (n != dims[axis]) {
            throw new IllegalArgumentException("the array is ragged: dim " + axis + " has lengths " + dims[axis]
                    + " and " + n);
        }
        for (int i = 0; i < n; i++) {
            fill(Array.get(a, i), dims, axis + 1, source, out, next);
        }
    }

    private static void store(Object element, DType source, HostTensor.Writer out, int i) {
        switch (source) {
            case BOOL -> out.setBool(i, (Boolean) element);
            case UINT8 -> out.setLong(i, ((Byte) element) & 0xff);
            case INT32, INT64 -> out.setLong(i, ((Number) element).longValue());
            default -> out.setDouble(i, ((Number) element).doubleValue());
        }
    }

    /** The nested Java array (or boxed scalar) of a tensor's elements. */
    static Object toNested(HostTensor t) {
        Class<?> element = switch (t.dtype()) {
            case BOOL -> boolean.class;
            case UINT8, INT32 -> int.class;
            case INT64 -> long.class;
            case FLOAT16, FLOAT32 -> float.class;
            case FLOAT64 -> double.class;
        };
        if (t.rank() == 0) {
            Object holder = Array.newInstance(element, 1);
            set(holder, 0, t, 0);
            return Array.get(holder, 0);
        }
        Object result = Array.newInstance(element, t.shape());
        int[] next = {0};
        copyOut(result, t, 0, next);
        return result;
    }

    private static void copyOut(Object array, HostTensor t, int axis, int[] next) {
        int n = Array.getLength(array);
        for (int i = 0; i < n; i++) {
            if (axis == t.rank() - 1) {
                set(array, i, t, next[0]++);
            } else {
                copyOut(Array.get(array, i), t, axis + 1, next);
            }
        }
    }

    private static void set(Object array, int index, HostTensor t, int element) {
        switch (t.dtype()) {
            case BOOL -> Array.setBoolean(array, index, t.getBool(element));
            case UINT8, INT32 -> Array.setInt(array, index, (int) t.getLong(element));
            case INT64 -> Array.setLong(array, index, t.getLong(element));
            case FLOAT16, FLOAT32 -> Array.setFloat(array, index, (float) t.getDouble(element));
            case FLOAT64 -> Array.setDouble(array, index, t.getDouble(element));
        }
    }

    /** A scalar as NumPy shows one: {@code 6.0}, {@code 1e-05}, {@code True}, {@code 42}. */
    static String scalarText(HostTensor t) {
        return switch (t.dtype().kind()) {
            case BOOL -> t.getBool(0) ? "True" : "False";
            case INTEGER -> Long.toString(t.getLong(0));
            case FLOAT -> {
                double v = t.getDouble(0);
                if (Double.isNaN(v)) {
                    yield "nan";
                }
                if (Double.isInfinite(v)) {
                    yield v > 0 ? "inf" : "-inf";
                }
                String s = t.dtype() == DType.FLOAT64 ? Double.toString(v) : Float.toString((float) v);
                int e = s.indexOf('E');
                if (e < 0) {
                    yield s;
                }
                String mantissa = s.substring(0, e).replaceFirst("\\.0$", "");
                int exponent = Integer.parseInt(s.substring(e + 1));
                yield mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
            }
        };
    }
}
