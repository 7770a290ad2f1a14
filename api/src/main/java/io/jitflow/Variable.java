package io.jitflow;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorText;
import io.jitflow.ir.TensorType;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A named, mutable tensor slot with a fixed dtype and shape, as tf.Variable. Reading gives a
 * tensor; {@link #assign}, {@link #assignAdd}, {@link #assignSub} and slice assignment replace
 * the value. Trainable variables are watched by every {@link GradientTape} automatically.
 *
 * <p>Concurrency: a value is never changed in place, only replaced, and every replacement happens
 * under one commit lock. So an eager read sees one whole value; {@link #assignAdd},
 * {@link #assignSub} and slice assignment are atomic read-modify-writes (no update is lost); a
 * compiled function reads one consistent snapshot of all the variables it reads, and the
 * assignments of a call become visible together, after the call, ordered with every other write.
 *
 * <p>Storage: a value a compiled call made for this variable alone, and that nothing outside the
 * commit lock has read, is unshared; when it is replaced, its array becomes the spare that the next
 * compiled update writes the new value into (so a training step allocates no weights). Every read
 * outside a compiled update (an eager read, a snapshot of a call that does not assign, a trace, an
 * export, a call's output that is the value itself) hands the value out, and it is never reused.
 */
public final class Variable implements Operand {
    private static final AtomicInteger UNNAMED = new AtomicInteger();
    /** Held while any variable's value is replaced, and while a compiled call snapshots or commits. */
    static final ReentrantLock COMMIT = new ReentrantLock();

    private final String name;
    private final boolean trainable;
    private final TensorType type;
    private volatile HostTensor value;
    /** Whether {@link #value}'s storage is this variable's alone (see the class comment). Guarded by COMMIT. */
    private boolean unshared;
    /** The storage of a replaced unshared value, for the next compiled update. Guarded by COMMIT. */
    private Object spare;

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
        ExecutionContext context = ExecutionContext.current();
        Tensor t = context.readVariable(this);
        if (context.recordsOnTapes()) {
            GradientTape.recordVariableRead(this, t);
        }
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

    /** The current value, handed out: its storage will never be reused. */
    HostTensor current() {
        COMMIT.lock();
        try {
            unshared = false;
            return value;
        } finally {
            COMMIT.unlock();
        }
    }

    /**
     * The current value for a compiled call that holds the commit lock until it commits and reads
     * the value only until then: not handed out.
     */
    HostTensor valueForUpdate() {
        return value;
    }

    /** The array the next value may be written into (see the class comment), or null; given once. */
    Object takeSpare() {
        Object s = spare;
        spare = null;
        return s;
    }

    /** Gives back a spare from {@link #takeSpare} that was not written into, unless another took its place. */
    void keepSpare(Object unused) {
        if (spare == null) {
            spare = unused;
        }
    }

    /** Replaces the value with one that may be shared (an eager result). */
    void store(HostTensor newValue) {
        commit(newValue, false);
    }

    /**
     * Replaces the value; {@code unsharedValue}: the new value's storage is this variable's alone. An
     * unshared old value's storage becomes the spare.
     */
    void commit(HostTensor newValue, boolean unsharedValue) {
        COMMIT.lock();
        try {
            if (unshared) {
                spare = value.storage();
            }
            value = newValue;
            unshared = unsharedValue;
        } finally {
            COMMIT.unlock();
        }
    }

    /** Atomically adds {@code delta} (eagerly: no concurrent write comes between the read and the write). */
    public Variable assignAdd(Operand delta) {
        return readModifyWrite(() -> assign(Jf.add(this, delta)));
    }

    public Variable assignSub(Operand delta) {
        return readModifyWrite(() -> assign(Jf.sub(this, delta)));
    }

    /** Runs an eager read-modify-write under the commit lock; while tracing it only records the ops. */
    private Variable readModifyWrite(java.util.function.Supplier<Variable> update) {
        if (ExecutionContext.current() instanceof TracingContext) {
            return update.get();
        }
        COMMIT.lock();
        try {
            return update.get();
        } finally {
            COMMIT.unlock();
        }
    }

    /**
     * Slice assignment: {@code v.assign("0, 1", x)} is {@code v[0, 1] = x}; {@code x} must broadcast
     * to the indexed shape and have the variable's dtype.
     */
    public Variable assign(String index, Operand update) {
        return readModifyWrite(() -> assignSlice(index, update));
    }

    private Variable assignSlice(String index, Operand update) {
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
    public String toString() {
        HostTensor value = current();
        String values = value.rank() == 0 ? JavaArrays.scalarText(value) : TensorText.format(value);
        return "<tf.Variable '" + name + "' shape=" + Tensor.shapeText(value.shape()) + " dtype=" + type.dtype()
                + ", numpy=" + values + ">";
    }
}
