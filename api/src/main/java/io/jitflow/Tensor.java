package io.jitflow;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorText;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.grad.OpValue;
import io.jitflow.ir.npy.Npy;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.DeviceArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An immutable n-dimensional array with a dtype and a shape: the value every op takes and gives.
 * Create one with {@link Jf#constant} and the other factories in {@link Jf}; compute with the
 * methods of {@link Operand} or the static functions of {@link Jf}.
 */
public final class Tensor implements Operand, OpValue {
    private final TensorType type;
    /**
     * The data of a concrete tensor on the host: set at construction, or copied from
     * {@link #onDevice} when first read; null for a symbolic one.
     */
    private volatile HostTensor value;
    /** The value in CUDA device memory, or null for a tensor on the CPU. */
    private final DeviceArray onDevice;
    /** The graph value of a symbolic tensor, and the trace it belongs to; null for a concrete one. */
    private final Value symbol;
    private final TracingContext trace;

    Tensor(HostTensor value) {
        this.type = value.type();
        this.value = value;
        this.onDevice = null;
        this.symbol = null;
        this.trace = null;
    }

    Tensor(DeviceArray onDevice) {
        this.type = new TensorType(onDevice.dtype(), io.jitflow.ir.Shape.of(onDevice.shape()));
        this.onDevice = onDevice;
        this.symbol = null;
        this.trace = null;
    }

    /** A symbolic tensor: a value in the graph a traced function is building. */
    Tensor(Value symbol, TracingContext trace) {
        this.type = symbol.type();
        this.value = null;
        this.onDevice = null;
        this.symbol = symbol;
        this.trace = trace;
    }

    /** True inside a traced function, where tensors stand for values the compiled code will compute. */
    public boolean isSymbolic() {
        return symbol != null;
    }

    /** Where the tensor's elements are: {@code cpu} or a CUDA device. */
    public Device device() {
        return onDevice == null ? Device.cpu() : new Device(Device.Kind.CUDA, onDevice.device().ordinal());
    }

    /**
     * This tensor on {@code device}: itself when it is there already, otherwise a copy. Reading
     * the values of a tensor on a GPU (printing it, {@code toFloatArray()}, ...) copies them to the
     * host once.
     */
    public Tensor toDevice(Device device) {
        if (device.equals(device())) {
            return this;
        }
        return device.isCuda() ? new Tensor(DeviceArray.upload(device.cudaDevice(), value())) : new Tensor(value());
    }

    /** The value in device memory on {@code device}, copied there first when this tensor is elsewhere. */
    DeviceArray deviceArray(io.jitflow.runtime.cuda.CudaDevice device) {
        return onDevice != null && onDevice.device() == device ? onDevice : DeviceArray.upload(device, value());
    }

    Value symbol() {
        return symbol;
    }

    TracingContext trace() {
        return trace;
    }

    @Override
    public Tensor asTensor() {
        return this;
    }

    @Override
    public TensorType type() {
        return type;
    }

    /** The host elements if they are here already (not on a device, not deferred), else null. */
    HostTensor hostValueIfPresent() {
        HostTensor v = value;
        return v != null && v.isFetched() ? v : null;
    }

    /** The host data; package-private so that the public API stays immutable. */
    HostTensor value() {
        if (value == null && onDevice != null) {
            value = onDevice.download();
        }
        if (value == null) {
            throw new IllegalStateException("the tensor " + symbol + " : " + type + " is symbolic: inside a traced "
                    + "function values exist only when the compiled function runs; return the tensor instead, and to branch or "
                    + "loop on it use Jf.cond, Jf.whileLoop or Jf.scan rather than a Java if or loop");
        }
        return value;
    }

    /** A copy of the data as a graph-IR host tensor (for the text format, NPY and interpreters). */
    public HostTensor toHostTensor() {
        return value();
    }

    public static Tensor of(HostTensor value) {
        return new Tensor(value);
    }

    public DType dtype() {
        return type.dtype();
    }

    /**
     * The shape, e.g. {@code [2, 3]}. In a traced function a dim unknown until the call (the batch
     * under a TensorSpec) is -1, as TensorFlow's {@code x.shape} gives None; {@link Jf#shape} gives
     * its size when the function runs.
     */
    public int[] shape() {
        Shape shape = type.shape();
        int[] sizes = new int[shape.rank()];
        for (int d = 0; d < sizes.length; d++) {
            sizes[d] = shape.dim(d).isStatic() ? shape.dim(d).size() : -1;
        }
        return sizes;
    }

    public int rank() {
        return type.rank();
    }

    /** The number of elements. */
    public int size() {
        return value().size();
    }

    // ---- reading values ----

    private void requireScalar(String what) {
        if (value().size() != 1) {
            throw new IllegalStateException(what + " needs a tensor of one element, this one has shape "
                    + Arrays.toString(value().shape()));
        }
    }

    public float floatValue() {
        requireScalar("floatValue()");
        return (float) value().getDouble(0);
    }

    public double doubleValue() {
        requireScalar("doubleValue()");
        return value().getDouble(0);
    }

    public int intValue() {
        requireScalar("intValue()");
        return (int) value().getLong(0);
    }

    public long longValue() {
        requireScalar("longValue()");
        return value().getLong(0);
    }

    public boolean booleanValue() {
        requireScalar("booleanValue()");
        return value().getBool(0);
    }

    /** All elements in row-major order, converted to float. */
    public float[] toFloatArray() {
        return value().toFloatArray();
    }

    public double[] toDoubleArray() {
        return value().toDoubleArray();
    }

    public int[] toIntArray() {
        return Arrays.stream(value().toLongArray()).mapToInt(l -> (int) l).toArray();
    }

    public long[] toLongArray() {
        return value().toLongArray();
    }

    public boolean[] toBooleanArray() {
        boolean[] out = new boolean[value().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value().getBool(i);
        }
        return out;
    }

    /**
     * The elements as a nested Java array of the dtype's type ({@code float[][]} for a float32 matrix,
     * {@code boolean[]} for a bool vector, a boxed scalar for rank 0); float16 reads as float, uint8 as int.
     */
    public Object toArray() {
        return JavaArrays.toNested(value());
    }

    /** Writes the tensor as an NPY file. */
    public void writeNpy(Path file) throws IOException {
        Npy.write(value(), file);
    }

    /** TensorFlow's form: {@code tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)}. */
    @Override
    public String toString() {
        String values = value().rank() == 0 ? JavaArrays.scalarText(value()) : TensorText.format(value);
        return "tf.Tensor(" + (values.contains("\n") ? "\n" : "") + values + ", shape=" + shapeText(value().shape())
                + ", dtype=" + value().dtype() + ")";
    }

    /** A shape as Python prints a tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    static String shapeText(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(')').toString();
    }
}
