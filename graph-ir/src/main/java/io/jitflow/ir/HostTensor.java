package io.jitflow.ir;

import java.util.Arrays;

/**
 * A dense tensor in host memory, row-major, with a dtype and a static shape. Immutable once built:
 * {@link Writer} fills a new one. Element accessors convert through {@code double} (floats),
 * {@code long} (integers, uint8 read unsigned) or {@code boolean}; writers round floats to the dtype
 * (float16 to nearest even) and wrap integers as Java does.
 */
public final class HostTensor {
    private final DType dtype;
    private final int[] shape;
    /** The elements; null for a deferred tensor, whose elements come from {@link #fetch} on first use. */
    private final Object data;
    private final java.util.function.Supplier<Object> fetch;
    private volatile Object fetched;
    /** {@link #type()}, made on first use (a compiled call checks every argument's). */
    private TensorType type;

    private HostTensor(DType dtype, int[] shape, Object data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
        this.fetch = null;
    }

    private HostTensor(DType dtype, int[] shape, java.util.function.Supplier<Object> fetch) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = null;
        this.fetch = fetch;
    }

    /** Wraps {@code data} (a primitive array of the dtype's storage type) without copying it. */
    public static HostTensor wrap(DType dtype, int[] shape, Object data) {
        int count = Shape.checkedElementCount(shape);
        if (storageLength(dtype, data) != count) {
            throw new IllegalArgumentException("a " + dtype + " tensor of shape " + Arrays.toString(shape)
                    + " needs " + count + " elements, got " + storageLength(dtype, data));
        }
        return new HostTensor(dtype, shape.clone(), data);
    }

    /**
     * A tensor whose elements live elsewhere (a device's memory) until something reads them:
     * {@code fetch} gives the storage array, called once, on the first read. Like every host
     * tensor it is immutable, so {@code fetch} must give the same elements whenever it is called.
     */
    public static HostTensor deferred(DType dtype, int[] shape, java.util.function.Supplier<Object> fetch) {
        Shape.checkedElementCount(shape);
        return new HostTensor(dtype, shape.clone(), java.util.Objects.requireNonNull(fetch));
    }

    /** Whether the elements are here: false for a deferred tensor nothing has read yet. */
    public boolean isFetched() {
        return data != null || fetched != null;
    }

    private Object data() {
        Object d = data;
        return d != null ? d : fetchedData();
    }

    private Object fetchedData() {
        Object d = fetched;
        if (d == null) {
            synchronized (this) {
                d = fetched;
                if (d == null) {
                    d = fetch.get();
                    if (storageLength(dtype, d) != Shape.checkedElementCount(shape)) {
                        throw new IllegalStateException("a deferred " + dtype + Arrays.toString(shape)
                                + " tensor fetched " + storageLength(dtype, d) + " elements");
                    }
                    fetched = d;
                }
            }
        }
        return d;
    }

    public static HostTensor of(float[] values, int... shape) {
        return wrap(DType.FLOAT32, shape, values.clone());
    }

    public static HostTensor of(double[] values, int... shape) {
        return wrap(DType.FLOAT64, shape, values.clone());
    }

    public static HostTensor of(int[] values, int... shape) {
        return wrap(DType.INT32, shape, values.clone());
    }

    public static HostTensor of(long[] values, int... shape) {
        return wrap(DType.INT64, shape, values.clone());
    }

    public static HostTensor of(boolean[] values, int... shape) {
        return wrap(DType.BOOL, shape, values.clone());
    }

    public static HostTensor scalar(DType dtype, double value) {
        Writer w = writer(dtype, new int[0]);
        w.setDouble(0, value);
        return w.build();
    }

    /** A tensor of zeros (false for bool). */
    public static HostTensor zeros(DType dtype, int... shape) {
        return writer(dtype, shape).build();
    }

    public static Writer writer(DType dtype, int[] shape) {
        return new Writer(dtype, shape);
    }

    /** The zeroed host array that holds {@code count} elements of {@code dtype} (its storage type). */
    public static Object allocate(DType dtype, int count) {
        try {
            return switch (dtype) {
                case BOOL -> new boolean[count];
                case UINT8 -> new byte[count];
                case INT32 -> new int[count];
                case INT64 -> new long[count];
                case FLOAT16 -> new short[count];
                case FLOAT32 -> new float[count];
                case FLOAT64 -> new double[count];
            };
        } catch (OutOfMemoryError e) {
            // Say how much was asked for: the JVM's own message does not.
            OutOfMemoryError named = new OutOfMemoryError(String.format("a %s tensor of %,d elements needs %,d bytes",
                    dtype, count, (long) count * dtype.byteSize()));
            named.initCause(e);
            throw named;
        }
    }

    private static int storageLength(DType dtype, Object data) {
        return switch (dtype) {
            case BOOL -> ((boolean[]) data).length;
            case UINT8 -> ((byte[]) data).length;
            case INT32 -> ((int[]) data).length;
            case INT64 -> ((long[]) data).length;
            case FLOAT16 -> ((short[]) data).length;
            case FLOAT32 -> ((float[]) data).length;
            case FLOAT64 -> ((double[]) data).length;
        };
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int size() {
        return Shape.checkedElementCount(shape);
    }

    public TensorType type() {
        TensorType t = type;
        if (t == null) {
            t = new TensorType(dtype, Shape.of(shape));
            type = t;
        }
        return t;
    }

    /** The backing array; callers must not modify it. */
    public Object storage() {
        return data();
    }

    public double getDouble(int i) {
        return switch (dtype) {
            case BOOL -> ((boolean[]) data())[i] ? 1 : 0;
            case UINT8 -> ((byte[]) data())[i] & 0xff;
            case INT32 -> ((int[]) data())[i];
            case INT64 -> ((long[]) data())[i];
            case FLOAT16 -> Float16.toFloat(((short[]) data())[i]);
            case FLOAT32 -> ((float[]) data())[i];
            case FLOAT64 -> ((double[]) data())[i];
        };
    }

    /** The element as an integer; floats truncate toward zero, saturating, NaN giving 0. */
    public long getLong(int i) {
        return switch (dtype) {
            case BOOL -> ((boolean[]) data())[i] ? 1 : 0;
            case UINT8 -> ((byte[]) data())[i] & 0xff;
            case INT32 -> ((int[]) data())[i];
            case INT64 -> ((long[]) data())[i];
            case FLOAT16, FLOAT32, FLOAT64 -> (long) getDouble(i);
        };
    }

    /** The element as a truth value: non-zero (NaN included) is true. */
    public boolean getBool(int i) {
        return switch (dtype) {
            case BOOL -> ((boolean[]) data())[i];
            case UINT8, INT32, INT64 -> getLong(i) != 0;
            case FLOAT16, FLOAT32, FLOAT64 -> getDouble(i) != 0;
        };
    }

    /** The raw bits of element {@code i}, zero-extended: what bit-exact comparison and printing use. */
    public long getBits(int i) {
        return switch (dtype) {
            case BOOL -> ((boolean[]) data())[i] ? 1 : 0;
            case UINT8 -> ((byte[]) data())[i] & 0xff;
            case INT32 -> ((int[]) data())[i] & 0xffffffffL;
            case INT64 -> ((long[]) data())[i];
            case FLOAT16 -> ((short[]) data())[i] & 0xffff;
            case FLOAT32 -> Float.floatToRawIntBits(((float[]) data())[i]) & 0xffffffffL;
            case FLOAT64 -> Double.doubleToRawLongBits(((double[]) data())[i]);
        };
    }

    public float[] toFloatArray() {
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    public long[] toLongArray() {
        long[] out = new long[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** The same elements viewed with another shape of equal element count. */
    public HostTensor reshape(int... newShape) {
        return wrap(dtype, newShape, data());
    }

    /** True when every element's bits are equal: NaN equals NaN, -0.0 differs from 0.0. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HostTensor other) || dtype != other.dtype || !Arrays.equals(shape, other.shape)) {
            return false;
        }
        for (int i = 0, n = size(); i < n; i++) {
            if (getBits(i) != other.getBits(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = dtype.hashCode() * 31 + Arrays.hashCode(shape);
        for (int i = 0, n = Math.min(size(), 16); i < n; i++) {
            h = h * 31 + Long.hashCode(getBits(i));
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.text()).append(Arrays.toString(shape)).append(" {");
        int n = size();
        for (int i = 0; i < Math.min(n, 8); i++) {
            sb.append(i > 0 ? ", " : "").append(dtype.isFloating() ? Double.toString(getDouble(i))
                    : dtype.isBool() ? Boolean.toString(getBool(i)) : Long.toString(getLong(i)));
        }
        return sb.append(n > 8 ? ", ...}" : "}").toString();
    }

    /** Fills a new tensor element by element; {@link #build()} hands the storage over once. */
    public static final class Writer {
        private final DType dtype;
        private final int[] shape;
        private Object data;

        private Writer(DType dtype, int[] shape) {
            this.dtype = dtype;
            this.shape = shape.clone();
            this.data = allocate(dtype, Shape.checkedElementCount(shape));
        }

        /** Stores {@code value} rounded (floats) or truncated and wrapped (integers) to the dtype. */
        public void setDouble(int i, double value) {
            switch (dtype) {
                case BOOL -> ((boolean[]) data)[i] = value != 0;
                case UINT8 -> ((byte[]) data)[i] = (byte) saturatingUint8(value);
                case INT32 -> ((int[]) data)[i] = (int) value;
                case INT64 -> ((long[]) data)[i] = (long) value;
                case FLOAT16 -> ((short[]) data)[i] = Float16.fromDouble(value);
                case FLOAT32 -> ((float[]) data)[i] = (float) value;
                case FLOAT64 -> ((double[]) data)[i] = value;
            }
        }

        /** Stores {@code value} wrapped to the integer dtype (two's complement, as Java casts do). */
        public void setLong(int i, long value) {
            switch (dtype) {
                case BOOL -> ((boolean[]) data)[i] = value != 0;
                case UINT8 -> ((byte[]) data)[i] = (byte) value;
                case INT32 -> ((int[]) data)[i] = (int) value;
                case INT64 -> ((long[]) data)[i] = value;
                case FLOAT16 -> ((short[]) data)[i] = Float16.fromDouble(value);
                case FLOAT32 -> ((float[]) data)[i] = value;
                case FLOAT64 -> ((double[]) data)[i] = value;
            }
        }

        public void setBool(int i, boolean value) {
            setLong(i, value ? 1 : 0);
        }

        /** Stores raw bits (see {@link HostTensor#getBits}). */
        public void setBits(int i, long bits) {
            switch (dtype) {
                case FLOAT16 -> ((short[]) data)[i] = (short) bits;
                case FLOAT32 -> ((float[]) data)[i] = Float.intBitsToFloat((int) bits);
                case FLOAT64 -> ((double[]) data)[i] = Double.longBitsToDouble(bits);
                default -> setLong(i, bits);
            }
        }

        /** Copies element {@code from} of {@code source}, which has this dtype, to element {@code to}. */
        public void copy(HostTensor source, int from, int to) {
            System.arraycopy(source.data(), from, data, to, 1);
        }

        public HostTensor build() {
            if (data == null) {
                throw new IllegalStateException("build() was already called");
            }
            HostTensor t = new HostTensor(dtype, shape, data);
            data = null;
            return t;
        }

        private static int saturatingUint8(double value) {
            if (Double.isNaN(value)) {
                return 0;
            }
            return (int) Math.max(0, Math.min(255, value));
        }
    }
}
