package io.jitflow.ir;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The current values of a graph's variables, by name. Not thread-safe: callers share it under a lock.
 *
 * <p>It also carries what lets a run update a variable without allocating: the caller may offer a
 * spare array per variable (storage of an earlier value that nothing refers to any more), which a
 * run may write the variable's next value into; and a run says which new values it made fresh
 * (storage allocated for that variable alone), so the caller knows which may become spares later.
 * A store reused for call after call over the same variables allocates nothing once each has its slot.
 */
public final class VariableStore {
    /** One variable's value, the spare offered for its next one, and whether the value is fresh. */
    private static final class Slot {
        HostTensor value;
        Object spare;
        boolean fresh;
    }

    private final Map<String, Slot> slots = new LinkedHashMap<>();

    /** A store holding each variable's initial value. */
    public static VariableStore initialValues(Graph graph) {
        VariableStore store = new VariableStore();
        for (Variable v : graph.variables()) {
            store.set(v.name(), v.initialValue());
        }
        return store;
    }

    public HostTensor get(String name) {
        Slot slot = slots.get(name);
        if (slot == null || slot.value == null) {
            throw new EvaluationException("there is no variable @" + name);
        }
        return slot.value;
    }

    public void set(String name, HostTensor value) {
        Slot slot = slot(name);
        slot.value = value;
        slot.fresh = false;
    }

    /** Sets a value whose storage the run allocated for this variable alone: no output or other value shares it. */
    public void setFresh(String name, HostTensor value) {
        Slot slot = slot(name);
        slot.value = value;
        slot.fresh = true;
    }

    /** Whether the variable's value was {@linkplain #setFresh set fresh}. */
    public boolean isFresh(String name) {
        Slot slot = slots.get(name);
        return slot != null && slot.fresh;
    }

    /**
     * Offers {@code storage}, an array of the variable's dtype and element count that nothing reads
     * any more, to hold the variable's next value; a run that uses it writes every element.
     */
    public void offerSpare(String name, Object storage) {
        slot(name).spare = storage;
    }

    /** The array {@linkplain #offerSpare offered} for the variable's next value, or null; given once. */
    public Object takeSpare(String name) {
        Slot slot = slots.get(name);
        if (slot == null) {
            return null;
        }
        Object spare = slot.spare;
        slot.spare = null;
        return spare;
    }

    /** The values, in the order their variables were first set. */
    public Map<String, HostTensor> asMap() {
        Map<String, HostTensor> values = new LinkedHashMap<>();
        slots.forEach((name, slot) -> {
            if (slot.value != null) {
                values.put(name, slot.value);
            }
        });
        return java.util.Collections.unmodifiableMap(values);
    }

    private Slot slot(String name) {
        return slots.computeIfAbsent(name, n -> new Slot());
    }
}
