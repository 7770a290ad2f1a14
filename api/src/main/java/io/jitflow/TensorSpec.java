package io.jitflow;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * The dtype and shape a traced function accepts for one argument, where dims may be unknown:
 * {@code TensorSpec.of(FLOAT32, "batch", 784)} accepts any batch size, so one compiled graph
 * serves them all (tf.TensorSpec with None dims).
 */
public record TensorSpec(DType dtype, Shape shape) {

    /** Each dim is an Integer (static), a String (a named unknown size) or null (an unnamed unknown size). */
    public static TensorSpec of(DType dtype, Object... dims) {
        List<Dim> list = new ArrayList<>();
        for (int i = 0; i < dims.length; i++) {
            Object d = dims[i];
            if (d == null) {
                list.add(null);
            } else if (d instanceof Integer n) {
                list.add(Dim.of(n));
            } else if (d instanceof String s) {
                list.add(Dim.named(s));
            } else {
                throw new IllegalArgumentException("a dim is an Integer, a String or null, got " + d);
            }
        }
        return new TensorSpec(dtype, withNames(list));
    }

    private static Shape withNames(List<Dim> dims) {
        List<Dim> named = new ArrayList<>();
        for (int i = 0; i < dims.size(); i++) {
            named.add(dims.get(i) == null ? Dim.named("d" + i) : dims.get(i));
        }
        return Shape.of(named);
    }

    /** This spec with unnamed dims named after the argument, so that different arguments' dims differ. */
    TensorType typeFor(int argument) {
        List<Dim> dims = new ArrayList<>();
        for (Dim d : shape.dims()) {
            dims.add(!d.isStatic() && d.toString().matches("d\\d+") ? Dim.named("arg" + argument + "_" + d) : d);
        }
        return new TensorType(dtype, Shape.of(dims));
    }

    /** Whether a concrete tensor of {@code type} fits: same dtype and rank, equal static dims. */
    boolean accepts(TensorType type) {
        if (type.dtype() != dtype || type.rank() != shape.rank()) {
            return false;
        }
        for (int i = 0; i < shape.rank(); i++) {
            if (shape.dim(i).isStatic() && !shape.dim(i).equals(type.shape().dim(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "TensorSpec(" + dtype + shape + ")";
    }
}
