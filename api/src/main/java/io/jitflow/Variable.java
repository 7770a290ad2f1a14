package io.jitflow;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorText;
import io.jitflow.ir.TensorType;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named, mutable tensor slot with a fixed dtype and shape, as tf.Variable. Reading gives a
 * tensor; {@link #assign}, {@link #assignAdd}, {@link #assignSub} and slice assignment replace
 * the value. Trainable variables are watched by every {@link GradientTape} automatically.
 */
public final class Variable implements Operand {
    private static final AtomicInteger UNNAMED = new AtomicInteger();

    private final String name;
    private final boolean trainable;
    private final TensorType type;
    private HostTensor value;

    /** A trainable variable named {@code Variable}, {@code Variable_1}, ... */
    public Variable(Operand initial) {
        this(initial, defaultName(), true);
    }

    public Variable(Operand initial, String name, boolean trainable) {
        Tensor t = initial.asTensor();
        this.name = name;
        this.trainable = trainable;
        this.type = t.type();
        this.value = t.value();
    }

    private static String defaultName() {
        int n = UNNAMED.getAndIncrement();
        return n == 0 ? "Variable" : "Variable_" + n;
    }

    public String name() {
        return name;
    }

    public boolean trainable() {
        return trainable;
    }

    public DType dtype() {
        return type.dtype();
    }

    public int[] shape() {
        return type.shape().sizes();
    }

    public TensorType type() {
        return type;
    }

    /** The current value (in a traced function, a read of it); tapes that watch this variable see the read. */
    @Override
    public Tensor asTensor() {
        Tensor t = ExecutionContext.current().readVariable(this);
        GradientTape.recordVariableRead(this, t);
        return t;
    }

    /**
     * Replaces the value; it must have this variable's dtype and shape. In a traced function the
     * assignment takes effect when the compiled function returns, together with its other assignments.
     */
    public Variable assign(Operand newValue) {
        Tensor t = newValue.asTensor();
        if (!t.type().equals(type)) {
            throw new IllegalArgumentException("assign_variable: cannot assign a value of type " + t.type()
                    + " to variable '" + name + "' of type " + type);
        }
        ExecutionContext.current().assignVariable(this, t);
        return this;
    }

    synchronized HostTensor current() {
        return value;
    }

    synchronized void store(HostTensor newValue) {
        value = newValue;
    }

    public Variable assignAdd(Operand delta) {
        return assign(Jf.add(this, delta));
    }

    public Variable assignSub(Operand delta) {
        return assign(Jf.sub(this, delta));
    }

    /**
     * Slice assignment: {@code v.assign("0, 1", x)} is {@code v[0, 1] = x}; {@code x} must broadcast
     * to the indexed shape and have the variable's dtype.
     */
    public Variable assign(String index, Operand update) {
        Tensor current = asTensor();
        Slicer s = Slicer.of(type.shape(), Index.parse(index));
        Tensor sliced = Jf.op(Op.SLICE, s.sliceAttributes, current);
        Tensor u = update.asTensor();
        if (u.dtype() != type.dtype()) {
            throw new IllegalArgumentException("slice assignment to variable '" + name + "' of type " + type
                    + " needs a " + type.dtype() + " value, got " + u.type());
        }
        Tensor shaped = Jf.reshapeTo(Jf.broadcastTo(u, s.resultShape(sliced.type().shape()).sizes()), sliced.type().shape());
        return assign(ExecutionContext.dispatch(Op.SLICE_UPDATE, s.sliceAttributes, List.of(current, shaped)).get(0));
    }

    @Override
    public synchronized String toString() {
        String values = value.rank() == 0 ? JavaArrays.scalarText(value) : TensorText.format(value);
        return "<tf.Variable '" + name + "' shape=" + Tensor.shapeText(value.shape()) + " dtype=" + type.dtype()
                + ", numpy=" + values + ">";
    }
}
