package io.jitflow.ir;

import java.util.List;

/** An attribute value of a node. Each op declares the {@link Kind} of each of its attributes. */
public sealed interface Attr {

    enum Kind { INT, FLOAT, BOOL, STRING, INTS, DTYPE, SHAPE, TENSOR }

    Kind kind();

    record IntAttr(long value) implements Attr {
        public Kind kind() {
            return Kind.INT;
        }
    }

    /** A double; equality is bitwise, so NaN equals NaN and -0.0 differs from 0.0. */
    record FloatAttr(double value) implements Attr {
        public Kind kind() {
            return Kind.FLOAT;
        }
    }

    record BoolAttr(boolean value) implements Attr {
        public Kind kind() {
            return Kind.BOOL;
        }
    }

    record StringAttr(String value) implements Attr {
        public Kind kind() {
            return Kind.STRING;
        }
    }

    record IntsAttr(List<Long> values) implements Attr {
        public IntsAttr {
            values = List.copyOf(values);
        }

        public static IntsAttr of(long... values) {
            return new IntsAttr(java.util.Arrays.stream(values).boxed().toList());
        }

        public long[] toArray() {
            return values.stream().mapToLong(Long::longValue).toArray();
        }

        public Kind kind() {
            return Kind.INTS;
        }
    }

    record DTypeAttr(DType value) implements Attr {
        public Kind kind() {
            return Kind.DTYPE;
        }
    }

    /**
     * A shape pattern: static and symbolic dims; ops such as reshape also accept {@code -1}, kept as
     * {@link #INFERRED}.
     */
    record ShapeAttr(List<Dim> dims, List<Integer> inferredAxes) implements Attr {
        public static final int INFERRED = -1;

        public ShapeAttr {
            dims = List.copyOf(dims);
            inferredAxes = List.copyOf(inferredAxes);
        }

        public static ShapeAttr of(Shape shape) {
            return new ShapeAttr(shape.dims(), List.of());
        }

        /** The pattern as a shape, for ops that allow no {@code -1}. */
        public Shape shape() {
            if (!inferredAxes.isEmpty()) {
                throw new IllegalArgumentException("-1 is not allowed in this shape");
            }
            return Shape.of(dims);
        }

        public Kind kind() {
            return Kind.SHAPE;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < dims.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(inferredAxes.contains(i) ? "-1" : dims.get(i).toString());
            }
            return sb.append(']').toString();
        }
    }

    record TensorAttr(HostTensor value) implements Attr {
        public Kind kind() {
            return Kind.TENSOR;
        }
    }
}
