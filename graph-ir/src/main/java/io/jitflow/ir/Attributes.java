package io.jitflow.ir;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A node's attributes by name, sorted so that printing is deterministic. */
public final class Attributes {
    private static final Attributes EMPTY = new Attributes(new TreeMap<>());

    private final SortedMap<String, Attr> values;

    private Attributes(SortedMap<String, Attr> values) {
        this.values = values;
    }

    public static Attributes empty() {
        return EMPTY;
    }

    public static Attributes of(Map<String, Attr> values) {
        return new Attributes(new TreeMap<>(values));
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<String, Attr> asMap() {
        return Collections.unmodifiableSortedMap(values);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public Attr get(String name) {
        return values.get(name);
    }

    public long getInt(String name) {
        return ((Attr.IntAttr) need(name)).value();
    }

    public double getFloat(String name) {
        return ((Attr.FloatAttr) need(name)).value();
    }

    public boolean getBool(String name) {
        return ((Attr.BoolAttr) need(name)).value();
    }

    public String getString(String name) {
        return ((Attr.StringAttr) need(name)).value();
    }

    public long[] getInts(String name) {
        return ((Attr.IntsAttr) need(name)).toArray();
    }

    public DType getDType(String name) {
        return ((Attr.DTypeAttr) need(name)).value();
    }

    public Attr.ShapeAttr getShape(String name) {
        return (Attr.ShapeAttr) need(name);
    }

    public HostTensor getTensor(String name) {
        return ((Attr.TensorAttr) need(name)).value();
    }

    private Attr need(String name) {
        Attr a = values.get(name);
        if (a == null) {
            throw new IllegalArgumentException("missing attribute '" + name + "'");
        }
        return a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attributes other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }

    /** Collects attributes; {@link #build()} may be called once. */
    public static final class Builder {
        private final TreeMap<String, Attr> values = new TreeMap<>();

        public Builder put(String name, Attr value) {
            values.put(name, value);
            return this;
        }

        public Builder put(String name, long value) {
            return put(name, new Attr.IntAttr(value));
        }

        public Builder put(String name, double value) {
            return put(name, new Attr.FloatAttr(value));
        }

        public Builder put(String name, boolean value) {
            return put(name, new Attr.BoolAttr(value));
        }

        public Builder put(String name, String value) {
            return put(name, new Attr.StringAttr(value));
        }

        public Builder put(String name, DType value) {
            return put(name, new Attr.DTypeAttr(value));
        }

        public Builder put(String name, Shape value) {
            return put(name, Attr.ShapeAttr.of(value));
        }

        public Builder put(String name, HostTensor value) {
            return put(name, new Attr.TensorAttr(value));
        }

        public Builder putInts(String name, long... value) {
            return put(name, Attr.IntsAttr.of(value));
        }

        public Attributes build() {
            return new Attributes(new TreeMap<>(values));
        }
    }
}
