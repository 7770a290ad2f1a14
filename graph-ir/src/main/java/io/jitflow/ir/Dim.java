package io.jitflow.ir;

/**
 * One dimension of a shape: a static size, or a named unknown size such as {@code batch}. Within a
 * function, the same name always means the same size.
 */
public sealed interface Dim {

    /** A size known when the graph is built. */
    record Static(int size) implements Dim {
        public Static {
            if (size < 0) {
                throw new IllegalArgumentException("dimension size must be >= 0, got " + size);
            }
        }

        @Override
        public String toString() {
            return Integer.toString(size);
        }
    }

    /** A size known only when the function runs; equal names are equal sizes. */
    record Symbolic(String name) implements Dim {
        public Symbolic {
            if (name.isEmpty() || !Character.isJavaIdentifierStart(name.charAt(0))) {
                throw new IllegalArgumentException("bad symbolic dimension name '" + name + "'");
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Dim of(int size) {
        return new Static(size);
    }

    static Dim named(String name) {
        return new Symbolic(name);
    }

    default boolean isStatic() {
        return this instanceof Static;
    }

    /** The static size; callers check {@link #isStatic()} first. */
    default int size() {
        if (this instanceof Static s) {
            return s.size();
        }
        throw new IllegalStateException("dimension " + this + " has no static size");
    }
}
