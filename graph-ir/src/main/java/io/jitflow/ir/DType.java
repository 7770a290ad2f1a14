package io.jitflow.ir;

/**
 * The element types of tensors. Operands of one op must share a dtype: {@code cast} is the only
 * conversion, as in TensorFlow.
 *
 * <p>Host storage: bool as {@code boolean[]}, uint8 as {@code byte[]} (read unsigned), int32 as
 * {@code int[]}, int64 as {@code long[]}, float16 as {@code short[]} holding the IEEE binary16 bits,
 * float32 as {@code float[]}, float64 as {@code double[]}.
 */
public enum DType {
    BOOL("bool", 1, Kind.BOOL),
    UINT8("uint8", 1, Kind.INTEGER),
    INT32("int32", 4, Kind.INTEGER),
    INT64("int64", 8, Kind.INTEGER),
    FLOAT16("float16", 2, Kind.FLOAT),
    FLOAT32("float32", 4, Kind.FLOAT),
    FLOAT64("float64", 8, Kind.FLOAT);

    /** The dtype classes that op signatures accept. */
    public enum Kind { BOOL, INTEGER, FLOAT }

    private final String text;
    private final int byteSize;
    private final Kind kind;

    DType(String text, int byteSize, Kind kind) {
        this.text = text;
        this.byteSize = byteSize;
        this.kind = kind;
    }

    /** The name used in the text format and in messages, e.g. {@code float32}. */
    public String text() {
        return text;
    }

    public int byteSize() {
        return byteSize;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isFloating() {
        return kind == Kind.FLOAT;
    }

    public boolean isInteger() {
        return kind == Kind.INTEGER;
    }

    public boolean isBool() {
        return kind == Kind.BOOL;
    }

    /** Integer or floating point: the dtypes arithmetic accepts. */
    public boolean isNumeric() {
        return kind != Kind.BOOL;
    }

    /** The dtype spelled {@code text}, or {@code null} if there is none. */
    public static DType fromText(String text) {
        for (DType t : values()) {
            if (t.text.equals(text)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
