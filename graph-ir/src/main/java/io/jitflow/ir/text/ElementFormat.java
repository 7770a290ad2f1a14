package io.jitflow.ir.text;

import io.jitflow.ir.DType;
import io.jitflow.ir.Float16;
import io.jitflow.ir.HostTensor;

/**
 * How scalars are spelled in the text format. Finite floats print as the shortest decimal that
 * reads back to the same value; NaNs print as their bits in hex (so payloads survive), infinities
 * as {@code inf} and {@code -inf}; -0.0 prints as itself.
 */
public final class ElementFormat {
    private ElementFormat() {
    }

    static String format(HostTensor t, int i) {
        return switch (t.dtype()) {
            case BOOL -> Boolean.toString(t.getBool(i));
            case UINT8, INT32, INT64 -> Long.toString(t.getLong(i));
            case FLOAT16 -> {
                float f = Float16.toFloat((short) t.getBits(i));
                yield Float.isNaN(f) ? hex(t.getBits(i), 4) : formatFloat(f);
            }
            case FLOAT32 -> {
                float f = (float) t.getDouble(i);
                yield Float.isNaN(f) ? hex(t.getBits(i), 8) : formatFloat(f);
            }
            case FLOAT64 -> formatDouble(t.getDouble(i));
        };
    }

    static String formatFloat(float f) {
        return Float.isInfinite(f) ? (f > 0 ? "inf" : "-inf") : Float.toString(f);
    }

    /** A double attribute or element: NaN as its 16 hex digits. */
    static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return hex(Double.doubleToRawLongBits(d), 16);
        }
        return Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf") : Double.toString(d);
    }

    private static String hex(long bits, int digits) {
        String h = Long.toHexString(bits);
        return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
    }

    /** Bits of a hex literal for a float dtype, or null if it has too many digits for the dtype. */
    public static Long parseHexBits(String text, DType dtype) {
        String digits = text.substring(2);
        int max = dtype.byteSize() * 2;
        String trimmed = digits.replaceFirst("^0+(?=.)", "");
        if (trimmed.length() > max) {
            return null;
        }
        return Long.parseUnsignedLong(trimmed, 16);
    }
}
