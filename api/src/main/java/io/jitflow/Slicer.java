package io.jitflow;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a NumPy-style index into the graph ops that implement it: one {@code slice} with begin,
 * end, strides and masks, then a reshape that drops indexed dims and inserts new axes.
 */
final class Slicer {
    /** The attributes of the {@code slice} (or {@code slice_update}) op. */
    final Attributes sliceAttributes;
    /** The index with its ellipsis expanded: one position or range per dim, plus new axes. */
    private final List<Index> expanded;

    private Slicer(Attributes sliceAttributes, List<Index> expanded) {
        this.sliceAttributes = sliceAttributes;
        this.expanded = expanded;
    }

    static Slicer of(Shape shape, List<Index> items) {
        int rank = shape.rank();
        List<Index> expanded = expand(items, rank);
        long[] begin = new long[rank];
        long[] end = new long[rank];
        long[] strides = new long[rank];
        long beginMask = 0;
        long endMask = 0;
        int axis = 0;
        for (Index i : expanded) {
            if (i.kind == Index.Kind.NEW_AXIS) {
                continue;
            }
            strides[axis] = i.step;
            if (i.kind == Index.Kind.AT) {
                Dim dim = shape.dim(axis);
                long p = i.start;
                if (dim.isStatic() && (p < -dim.size() || p >= dim.size())) {
                    throw new IndexOutOfBoundsException("index " + p + " is out of bounds for dim " + axis
                            + " with size " + dim.size());
                }
                begin[axis] = dim.isStatic() && p < 0 ? p + dim.size() : p;
                end[axis] = begin[axis] + 1;
            } else {
                if (i.start == null) {
                    beginMask |= 1L << axis;
                } else {
                    begin[axis] = i.start;
                }
                if (i.stop == null) {
                    endMask |= 1L << axis;
                } else {
                    end[axis] = i.stop;
                }
            }
            axis++;
        }
        Attributes attrs = Attributes.builder().putInts("begin", begin).putInts("end", end).putInts("strides", strides)
                .put("begin_mask", beginMask).put("end_mask", endMask).build();
        return new Slicer(attrs, expanded);
    }

    /** The indexed shape, given the shape the slice op produced: positions dropped, new axes added. */
    Shape resultShape(Shape sliced) {
        List<Dim> dims = new ArrayList<>();
        int axis = 0;
        for (Index i : expanded) {
            if (i.kind == Index.Kind.NEW_AXIS) {
                dims.add(Dim.of(1));
                continue;
            }
            if (i.kind == Index.Kind.RANGE) {
                dims.add(sliced.dim(axis));
            }
            axis++;
        }
        return Shape.of(dims);
    }

    private static List<Index> expand(List<Index> items, int rank) {
        int consuming = 0;
        int ellipses = 0;
        for (Index i : items) {
            if (i.kind == Index.Kind.AT || i.kind == Index.Kind.RANGE) {
                consuming++;
            } else if (i.kind == Index.Kind.ELLIPSIS) {
                ellipses++;
            }
        }
        if (ellipses > 1) {
            throw new IllegalArgumentException("an index can only have a single ellipsis ('...')");
        }
        if (consuming > rank) {
            throw new IllegalArgumentException("too many indices for a tensor of rank " + rank + ": " + items);
        }
        List<Index> expanded = new ArrayList<>();
        for (Index i : items) {
            if (i.kind == Index.Kind.ELLIPSIS) {
                for (int k = 0; k < rank - consuming; k++) {
                    expanded.add(Index.all());
                }
            } else {
                expanded.add(i);
            }
        }
        if (ellipses == 0) {
            for (int k = consuming; k < rank; k++) {
                expanded.add(Index.all());
            }
        }
        return expanded;
    }
}
