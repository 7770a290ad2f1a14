package io.jitflow.keras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A layer's config as {@link Layer#getConfig} gives it (or its JSON read back) with typed reads for
 * {@link Layers#fromConfig}: a missing key or a value of the wrong kind is an error that names the
 * layer class and the key.
 */
public final class LayerConfig {
    private final String className;
    private final Map<String, Object> values;

    /** {@code values} read as the config of a {@code className}, the name its errors give. */
    public LayerConfig(String className, Map<String, Object> values) {
        this.className = className;
        this.values = values;
    }

    private <T> T get(String key, Class<T> kind, String what) {
        Object v = values.get(key);
        if (!kind.isInstance(v)) {
            throw new IllegalArgumentException(className + " config: '" + key + "' must be " + what + ", got "
                    + (v == null ? "nothing" : v));
        }
        return kind.cast(v);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public int integer(String key) {
        return Math.toIntExact(get(key, Number.class, "an integer").longValue());
    }

    public double number(String key) {
        return get(key, Number.class, "a number").doubleValue();
    }

    public String string(String key) {
        return get(key, String.class, "a string");
    }

    public boolean bool(String key) {
        return get(key, Boolean.class, "true or false");
    }

    public int[] ints(String key) {
        List<?> list = get(key, List.class, "a list of integers");
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) {
                throw new IllegalArgumentException(className + " config: '" + key + "' must be a list of integers, got "
                        + list);
            }
            out[i] = Math.toIntExact(n.longValue());
        }
        return out;
    }

    /** A list of integer lists, such as cropping's [[top, bottom], [left, right]]. */
    public int[][] intRows(String key) {
        List<?> rows = get(key, List.class, "a list of integer lists");
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new LayerConfig(className, Map.of(key, rows.get(i))).ints(key);
        }
        return out;
    }

    /** A nested value as it is (a map, say). */
    public Object value(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException(className + " config: '" + key + "' is missing");
        }
        return values.get(key);
    }

    /** An int array as a config holds it. */
    public static List<Integer> list(int[] values) {
        List<Integer> out = new ArrayList<>();
        for (int v : values) {
            out.add(v);
        }
        return out;
    }

    /** Rows of ints as a config holds them. */
    public static List<List<Integer>> rows(int[][] values) {
        List<List<Integer>> out = new ArrayList<>();
        for (int[] row : values) {
            out.add(list(row));
        }
        return out;
    }
}
