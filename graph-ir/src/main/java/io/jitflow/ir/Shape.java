package io.jitflow.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The dims of a tensor, with value equality. Rank 0 is a scalar. */
public final class Shape {
    private static final Shape SCALAR = new Shape(new Dim[0]);

    private final Dim[] dims;

    private Shape(Dim[] dims) {
        this.dims = dims;
    }

    public static Shape scalar() {
        return SCALAR;
    }

    public static Shape of(int... sizes) {
        Dim[] dims = new Dim[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            dims[i] = Dim.of(sizes[i]);
        }
        return new Shape(dims);
    }

    public static Shape of(List<Dim> dims) {
        return new Shape(dims.toArray(new Dim[0]));
    }

    public static Shape of(Dim... dims) {
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public Dim dim(int axis) {
        return dims[axis];
    }

    public List<Dim> dims() {
        return List.of(dims);
    }

    public boolean isStatic() {
        for (Dim d : dims) {
            if (!d.isStatic()) {
                return false;
            }
        }
        return true;
    }

    /** The static sizes; the shape must be static. */
    public int[] sizes() {
        int[] sizes = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            sizes[i] = dims[i].size();
        }
        return sizes;
    }

    /** The element count of a static shape, checked to fit a Java array. */
    public int elementCount() {
        return checkedElementCount(sizes());
    }

    /**
     * Why no tensor can have this shape (a negative dim, or more elements than a Java array holds
     * once the symbolic dims are 1), or null when one can.
     */
    public String unrepresentable() {
        long count = 1;
        for (Dim d : dims) {
            if (d.isStatic()) {
                if (d.size() < 0) {
                    return "shape " + this + " has a negative dim";
                }
                count *= d.size();
                if (count > Integer.MAX_VALUE - 8) {
                    return "shape " + this + " has more elements than a tensor can hold (at most "
                            + (Integer.MAX_VALUE - 8) + ")";
                }
            }
        }
        return null;
    }

    /** The product of {@code sizes}, refusing anything a Java array cannot hold. */
    public static int checkedElementCount(int[] sizes) {
        long count = 1;
        for (int s : sizes) {
            count *= s;
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(sizes) + " has more elements than a Java array can hold");
            }
        }
        return (int) count;
    }

    /** This shape with every symbolic dim replaced by its size in {@code bindings}, where bound. */
    public Shape bind(Map<String, Integer> bindings) {
        Dim[] bound = dims.clone();
        for (int i = 0; i < bound.length; i++) {
            if (bound[i] instanceof Dim.Symbolic s && bindings.containsKey(s.name())) {
                bound[i] = Dim.of(bindings.get(s.name()));
            }
        }
        return new Shape(bound);
    }

    public Shape withDim(int axis, Dim dim) {
        Dim[] copy = dims.clone();
        copy[axis] = dim;
        return new Shape(copy);
    }

    public Shape dropAxis(int axis) {
        List<Dim> list = new ArrayList<>(dims());
        list.remove(axis);
        return of(list);
    }

    /** {@code axis} made non-negative for this rank, or an exception naming the valid range. */
    public int normalizeAxis(long axis) {
        return normalizeAxis(axis, dims.length);
    }

    public static int normalizeAxis(long axis, int rank) {
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException(
                    "axis " + axis + " is out of range for rank " + rank + " (expected -" + rank + " <= axis < " + rank + ")");
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** The text-format spelling, e.g. {@code [batch, 784]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i]);
        }
        return sb.append(']').toString();
    }
}
