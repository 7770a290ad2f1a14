package io.jitflow.keras;

import java.util.HashMap;
import java.util.Map;

/** Keras's automatic names: the first layer of a kind is "dense", the next "dense_1", and so on. */
public final class Names {
    private static final Map<String, Integer> USED = new HashMap<>();

    private Names() {
    }

    public static synchronized String unique(String base) {
        int n = USED.merge(base, 1, Integer::sum) - 1;
        return n == 0 ? base : base + "_" + n;
    }
}
