package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Op;
import io.jitflow.ir.Function;
import io.jitflow.ir.grad.Backprop;
import io.jitflow.ir.grad.Gradients;
import io.jitflow.ir.grad.OpValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records the ops run while it is open, to compute gradients afterwards, as tf.GradientTape:
 * <pre>{@code
 * Tensor x = Jf.constant(3.0);
 * try (GradientTape tape = new GradientTape()) {
 *     tape.watch(x);
 *     Tensor y = x.square();
 *     Tensor dydx = tape.gradient(y, x);   // 6.0
 * }
 * }</pre>
 * Trainable variables are watched automatically, other tensors with {@link #watch}. Gradients are
 * computed with the ops' gradient rules through the same op functions, so a tape open around
 * another records the inner gradient and can differentiate it again. Ops without a gradient
 * (comparisons, argmax, integer ops) stop it. A tape belongs to the thread that opened it.
 */
public final class GradientTape implements AutoCloseable {
    /** What {@link #gradient} gives for a source the target does not depend on. */
    public enum UnconnectedGradients { NONE, ZERO }

    private static final ThreadLocal<List<GradientTape>> ACTIVE = ThreadLocal.withInitial(ArrayList::new);


    private final boolean persistent;
    private final List<Backprop.Step> entries = new ArrayList<>();
    private final Set<Tensor> tracked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Variable> watchedVariables = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Variable, List<Tensor>> variableReads = new IdentityHashMap<>();
    private boolean recording = true;
    private boolean used;

    public GradientTape() {
        this(false);
    }

    /** A persistent tape allows several {@link #gradient} calls. */
    public GradientTape(boolean persistent) {
        this.persistent = persistent;
        ACTIVE.get().add(this);
    }

    /** Watches tensors and variables (trainable variables need not be watched). */
    public void watch(Operand... operands) {
        for (Operand o : operands) {
            if (o instanceof Variable v) {
                watchedVariables.add(v);
            } else {
                tracked.add(o.asTensor());
            }
        }
    }

    /** Stops recording; gradients can still be computed. */
    @Override
    public void close() {
        ACTIVE.get().remove(this);
        recording = false;
    }

    static void recordOnActiveTapes(Op op, Attributes attrs, List<Tensor> inputs, List<Tensor> outputs,
                                    List<Function> regions) {
        for (GradientTape tape : ACTIVE.get()) {
            tape.record(op, attrs, inputs, outputs, regions);
        }
    }

    static void recordVariableRead(Variable v, Tensor read) {
        for (GradientTape tape : ACTIVE.get()) {
            if (tape.recording && (v.trainable() || tape.watchedVariables.contains(v))) {
                tape.tracked.add(read);
                tape.variableReads.computeIfAbsent(v, k -> new ArrayList<>()).add(read);
            }
        }
    }

    private void record(Op op, Attributes attrs, List<Tensor> inputs, List<Tensor> outputs, List<Function> regions) {
        if (!recording || Gradients.rule(op) == Gradients.NONE) {
            return;
        }
        boolean dependsOnWatched = false;
        for (Tensor t : inputs) {
            dependsOnWatched |= tracked.contains(t);
        }
        if (!dependsOnWatched) {
            return;
        }
        entries.add(new Backprop.Step(op, attrs, List.copyOf(inputs), List.copyOf(outputs), regions));
        for (Tensor t : outputs) {
            if (t.dtype().isFloating()) {
                tracked.add(t);
            }
        }
    }

    public Tensor gradient(Operand target, Operand source) {
        return gradient(target, List.of(source), UnconnectedGradients.NONE).get(0);
    }

    public List<Tensor> gradient(Operand target, List<? extends Operand> sources) {
        return gradient(target, sources, UnconnectedGradients.NONE);
    }

    /**
     * The gradient of the sum of {@code target} with respect to each source: {@code null} (or zeros,
     * as asked) where the target does not depend on it.
     */
    public List<Tensor> gradient(Operand target, List<? extends Operand> sources, UnconnectedGradients unconnected) {
        if (used && !persistent) {
            throw new IllegalStateException("a non-persistent GradientTape can compute gradients only once; "
                    + "use new GradientTape(true) for several calls");
        }
        used = true;
        boolean wasRecording = recording;
        recording = false;
        try {
            Tensor t = target instanceof Variable v ? v.asTensor() : target.asTensor();
            Map<Tensor, Tensor> grads = backpropagate(t);
            List<Tensor> result = new ArrayList<>();
            for (Operand source : sources) {
                Tensor g = gradientOf(source, grads);
                if (g == null && unconnected == UnconnectedGradients.ZERO) {
                    g = Jf.zerosLike(source);
                }
                result.add(g);
            }
            return result;
        } finally {
            recording = wasRecording;
        }
    }

    private Tensor gradientOf(Operand source, Map<Tensor, Tensor> grads) {
        if (source instanceof Variable v) {
            Tensor sum = null;
            for (Tensor read : variableReads.getOrDefault(v, List.of())) {
                Tensor g = grads.get(read);
                if (g != null) {
                    sum = sum == null ? g : Jf.add(sum, g);
                }
            }
            return sum;
        }
        return grads.get(source.asTensor());
    }

    /** Walks the recorded ops backwards from the target, accumulating each tracked tensor's gradient. */
    private Map<Tensor, Tensor> backpropagate(Tensor target) {
        Map<OpValue, OpValue> grads = new IdentityHashMap<>();
        if (tracked.contains(target)) {
            grads.put(target, Jf.onesLike(target));
            Backprop.run(ExecutionContext.current(), entries, grads, v -> tracked.contains((Tensor) v));
        }
        Map<Tensor, Tensor> result = new IdentityHashMap<>();
        grads.forEach((v, g) -> result.put((Tensor) v, (Tensor) g));
        return result;
    }
}
