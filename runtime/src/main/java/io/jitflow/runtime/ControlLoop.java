package io.jitflow.runtime;

import io.jitflow.ir.IrException;
import io.jitflow.ir.kernel.Kernel;
import java.util.ArrayList;
import java.util.List;

/**
 * The choice or loop of a control-flow kernel (cond, while, scan; the semantics of
 * {@code io.jitflow.ir.ops.ControlFlow}), written once over values of any kind: host arrays on the
 * CPU ({@link ControlKernel}), device arrays on a GPU. What differs is in {@link Values}.
 */
public final class ControlLoop {
    private ControlLoop() {
    }

    /** What the loop needs of its values. */
    public interface Values<T> {
        /** Runs region {@code index} on values in the order of its inputs; gives its outputs in order. */
        List<T> call(int index, List<T> args);

        /** The value of a bool scalar. */
        boolean isTrue(T predicate);

        /** The length of a value's leading axis. */
        int leading(T xs);

        /** A fresh copy of element {@code t} of {@code xs} along its leading axis (a carry may be it, so never shared). */
        T step(T xs, int t);

        /** Stores a step's output at position {@code t} of result {@code result} of the kernel. */
        void store(T y, int result, int t);

        /** A value no later iteration reads: its storage may serve them (if it is the loop's to give). */
        default void release(T value) {
        }

        /** The storage a value reads: two values on the same storage are alive together. */
        Object storage(T value);
    }

    /**
     * Runs {@code kernel} on its operands; returns the values of its results, but for a scan's
     * per-step outputs, which are stored into their results as they come: the final carries only.
     */
    public static <T> List<T> run(Kernel.Control kernel, List<T> operands, Values<T> values) {
        return switch (kernel.op()) {
            case COND -> values.call(values.isTrue(operands.get(0)) ? 0 : 1, operands.subList(1, operands.size()));
            case WHILE -> whileLoop(kernel, operands, values);
            case SCAN -> scan(kernel, operands, values);
            default -> throw new IrException(kernel.op() + " is not a control-flow op");
        };
    }

    private static <T> List<T> whileLoop(Kernel.Control kernel, List<T> operands, Values<T> values) {
        int carried = kernel.results().size();
        long bound = kernel.attrs().getInt("max_iterations");
        List<T> state = new ArrayList<>(operands);
        for (long i = 0; (bound < 0 || i < bound) && holds(values, state, operands); i++) {
            List<T> next = values.call(1, state);
            List<T> previous = new ArrayList<>(state.subList(0, carried));
            for (int k = 0; k < carried; k++) {
                state.set(k, next.get(k));
            }
            releaseDead(previous, state, operands, values);
        }
        return state.subList(0, carried);
    }

    private static <T> List<T> scan(Kernel.Control kernel, List<T> operands, Values<T> values) {
        int carried = (int) kernel.attrs().getInt("carried");
        int scanned = (int) kernel.attrs().getInt("scanned");
        int length = scanned > 0 ? values.leading(operands.get(carried)) : (int) kernel.attrs().getInt("length");
        List<T> args = new ArrayList<>(operands);
        for (int i = 0; i < length; i++) {
            int t = kernel.attrs().getBool("reverse") ? length - 1 - i : i;
            for (int k = 0; k < scanned; k++) {
                args.set(carried + k, values.step(operands.get(carried + k), t));
            }
            List<T> out = values.call(0, args);
            List<T> dead = new ArrayList<>(args.subList(0, carried + scanned));
            for (int k = 0; k < carried; k++) {
                args.set(k, out.get(k));
            }
            for (int k = carried; k < out.size(); k++) {
                values.store(out.get(k), k, t);
                dead.add(out.get(k));
            }
            // The steps, the carries replaced and the outputs stored: whatever the next step does not read.
            releaseDead(dead, args.subList(0, carried), operands, values);
        }
        return args.subList(0, carried);
    }

    /** Whether a while's condition holds for {@code state}; its value is released at once. */
    private static <T> boolean holds(Values<T> values, List<T> state, List<T> operands) {
        List<T> condition = values.call(0, state);
        boolean holds = values.isTrue(condition.get(0));
        releaseDead(condition, state, operands, values);
        return holds;
    }

    /** Releases each of {@code candidates} whose storage neither {@code live} nor the operands read. */
    private static <T> void releaseDead(List<T> candidates, List<T> live, List<T> operands, Values<T> values) {
        java.util.Set<Object> reading = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        live.forEach(v -> reading.add(values.storage(v)));
        operands.forEach(v -> reading.add(values.storage(v)));
        for (T v : candidates) {
            if (reading.add(values.storage(v))) {
                values.release(v);
            }
        }
    }
}
