package io.jitflow.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * Tensor values as NumPy prints them: nested brackets, elements right-aligned to a common width,
 * floats without trailing zeros ({@code 1.} for one), and, past {@link #SUMMARY_THRESHOLD}
 * elements, only the first and last {@link #EDGE_ITEMS} of each long dim around a {@code ...}.
 */
public final class TensorText {
    public static final int SUMMARY_THRESHOLD = 1000;
    public static final int EDGE_ITEMS = 3;

    private TensorText() {
    }

    public static String format(HostTensor t) {
        if (t.rank() == 0) {
            return element(t, 0, t.dtype().isFloating() && isIntegral(t));
        }
        boolean summarize = t.size() > SUMMARY_THRESHOLD;
        boolean integral = t.dtype().isFloating() && isIntegral(t);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            texts.add(element(t, i, integral));
        }
        if (t.dtype().isFloating()) {
            alignDecimalPoints(texts);
        }
        int width = 0;
        for (String s : texts) {
            width = Math.max(width, s.length());
        }
        StringBuilder sb = new StringBuilder();
        nested(sb, t.shape(), 0, 0, io.jitflow.ir.ops.Broadcasting.rowMajorStrides(t.shape()), texts, width, summarize);
        return sb.toString();
    }

    private static void nested(StringBuilder sb, int[] shape, int axis, int offset, int[] strides, List<String> texts,
                               int width, boolean summarize) {
        sb.append('[');
        int n = shape[axis];
        boolean elide = summarize && n > 2 * EDGE_ITEMS;
        for (int i = 0; i < n; i++) {
            if (elide && i == EDGE_ITEMS) {
                sb.append(axis == shape.length - 1 ? " ..." : "\n" + " ".repeat(axis + 1) + "...");
                i = n - EDGE_ITEMS;
            }
            if (i > 0) {
                sb.append(axis == shape.length - 1 ? " " : "\n".repeat(shape.length - 1 - axis) + " ".repeat(axis + 1));
            }
            if (axis == shape.length - 1) {
                String s = texts.get(offset + i);
                sb.append(" ".repeat(width - s.length())).append(s);
            } else {
                nested(sb, shape, axis + 1, offset + i * strides[axis], strides, texts, width, summarize);
            }
        }
        sb.append(']');
    }

    /** Pads whole parts on the left and fractions on the right, so decimal points line up as in NumPy. */
    private static void alignDecimalPoints(List<String> texts) {
        int whole = 0;
        int fraction = 0;
        for (String s : texts) {
            int dot = s.indexOf('.');
            if (dot >= 0 && !s.contains("e")) {
                whole = Math.max(whole, dot);
                fraction = Math.max(fraction, s.length() - dot - 1);
            }
        }
        for (int i = 0; i < texts.size(); i++) {
            String s = texts.get(i);
            int dot = s.indexOf('.');
            if (dot >= 0 && !s.contains("e")) {
                texts.set(i, " ".repeat(whole - dot) + s + " ".repeat(fraction - (s.length() - dot - 1)));
            }
        }
    }

    private static boolean isIntegral(HostTensor t) {
        for (int i = 0; i < t.size(); i++) {
            double v = t.getDouble(i);
            if (Double.isFinite(v) && (v != Math.rint(v) || Math.abs(v) >= 1e16)) {
                return false;
            }
        }
        return true;
    }

    private static String element(HostTensor t, int i, boolean integral) {
        return switch (t.dtype().kind()) {
            case BOOL -> t.getBool(i) ? "True" : "False";
            case INTEGER -> Long.toString(t.getLong(i));
            case FLOAT -> floatText(t.getDouble(i), integral);
        };
    }

    private static String floatText(double v, boolean integral) {
        int digits = 8;
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (integral) {
            return (v == 0 && 1 / v < 0 ? "-" : "") + (long) v + ".";
        }
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e16 || a < 1e-4)) {
            String s = String.format("%." + (digits - 1) + "e", v);
            String mantissa = s.substring(0, s.indexOf('e')).replaceFirst("0+$", "").replaceFirst("\\.$", "");
            int exponent = Integer.parseInt(s.substring(s.indexOf('e') + 1));
            return mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String s = new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).stripTrailingZeros().toPlainString();
        return s.contains(".") ? s : s + ".";
    }
}
