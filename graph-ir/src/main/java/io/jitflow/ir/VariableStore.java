package io.jitflow.ir;

import java.util.LinkedHashMap;
import java.util.Map;

/** The current values of a graph's variables, by name. Not thread-safe: callers share it under a lock. */
public final class VariableStore {
    private final Map<String, HostTensor> values = new LinkedHashMap<>();

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
    }

    public Map<String, HostTensor> asMap() {
        return java.util.Collections.unmodifiableMap(values);
    }
}
