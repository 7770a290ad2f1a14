package io.jitflow.ir;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The current values of a graph's variables, by name. Not thread-safe: callers share it under a lock.
 *
 * <p>It also carries what lets a run update a variable without allocating: the caller may offer a
 * spare array per variable (storage of an earlier value that nothing refers to any more), which a
 * run may write the variable's next value into; and a run says which new values it made fresh
 * (storage allocated for that variable alone), so the caller knows which may become spares later.
 */
public final class VariableStore {
    private final Map<String, HostTensor> values = new LinkedHashMap<>();
    private final Map<String, Object> spares = new HashMap<>();
    private final Set<String> fresh = new HashSet<>();

    /** A store holding each variable's initial value. */
    public static VariableStore initialValues(Graph graph) {
        VariableStore store = new VariableStore();
        for (Variable v : graph.variables()) {
            store.values.put(v.name(), v.initialValue());
        }
        return store;
    }

    public HostTensor get(String name) {
        HostTensor value = values.get(name);
        if (value == null) {
            throw new EvaluationException("there is no variable @" + name);
        }
        return value;
    }

    public void set(String name, HostTensor value) {
        values.put(name, value);
        fresh.remove(name);
    }

    /** Sets a value whose storage the run allocated for this variable alone: no output or other value shares it. */
    public void setFresh(String name, HostTensor value) {
        values.put(name, value);
        fresh.add(name);
    }

    /** Whether the variable's value was {@linkplain #setFresh set fresh}. */
    public boolean isFresh(String name) {
        return fresh.contains(name);
    }

    /**
     * Offers {@code storage}, an array of the variable's dtype and element count that nothing reads
     * any more, to hold the variable's next value; a run that uses it writes every element.
     */
    public void offerSpare(String name, Object storage) {
        spares.put(name, storage);
    }

    /** The array {@linkplain #offerSpare offered} for the variable's next value, or null; given once. */
    public Object takeSpare(String name) {
        return spares.remove(name);
    }

    public Map<String, HostTensor> asMap() {
        return java.util.Collections.unmodifiableMap(values);
    }
}
