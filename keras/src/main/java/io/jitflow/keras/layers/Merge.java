package io.jitflow.keras.layers;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * A layer of the functional API that combines several tensors, as Keras's merge layers: the
 * elementwise {@link #add}, {@link #subtract}, {@link #multiply}, {@link #average},
 * {@link #maximum} and {@link #minimum} of tensors of one shape, {@link #concatenate} along an
 * axis, and the per-example {@link #dot} product. Applied with {@link #apply(KerasTensor...)}; it has no weights.
 */
public final class Merge extends Layer {
    private final String kind;
    private final int axis;
    private final BinaryOperator<Tensor> combine;

    private Merge(String kind, int axis, BinaryOperator<Tensor> combine) {
        super(kind);
        this.kind = kind;
        this.axis = axis;
        this.combine = combine;
    }

    public static Merge add() {
        return new Merge("add", 0, Jf::add);
    }

    /** The first minus the second (exactly two inputs). */
    public static Merge subtract() {
        return new Merge("subtract", 0, Jf::sub);
    }

    public static Merge multiply() {
        return new Merge("multiply", 0, Jf::mul);
    }

    public static Merge average() {
        return new Merge("average", 0, Jf::add);
    }

    public static Merge maximum() {
        return new Merge("maximum", 0, Jf::maximum);
    }

    public static Merge minimum() {
        return new Merge("minimum", 0, Jf::minimum);
    }

    /** The dot product of two vectors per example (inputs (batch, n)), shape (batch, 1), as Keras's Dot(axes=1). */
    public static Merge dot() {
        return new Merge("dot", 1, null);
    }

    /** Joined along {@code axis} (-1, the features, by default in Keras; the batch axis cannot be joined). */
    /** The merge called {@code mode} (add, subtract, ..., concatenate along {@code axis}), as its config says. */
    static Merge of(String mode, int axis) {
        return switch (mode) {
            case "add" -> add();
            case "subtract" -> subtract();
            case "multiply" -> multiply();
            case "average" -> average();
            case "maximum" -> maximum();
            case "minimum" -> minimum();
            case "dot" -> dot();
            case "concatenate" -> concatenate(axis);
            default -> throw new IllegalArgumentException("Merge config: unknown mode '" + mode + "' (known: add, subtract,"
                    + " multiply, average, maximum, minimum, dot, concatenate)");
        };
    }

    public static Merge concatenate(int axis) {
        return new Merge("concatenate", axis, null);
    }

    /** The merged symbolic tensor. */
    public KerasTensor apply(KerasTensor... xs) {
        boolean pair = kind.equals("subtract") || kind.equals("dot");
        if (xs.length < 2 || pair && xs.length != 2) {
            throw new IllegalArgumentException(name() + " takes " + (pair ? "exactly 2" : "2 or more") + " inputs, got "
                    + xs.length);
        }
        List<Shape> shapes = new ArrayList<>();
        for (KerasTensor x : xs) {
            shapes.add(x.shape());
        }
        return new KerasTensor(outputShape(shapes), this, List.of(xs));
    }

    private Shape outputShape(List<Shape> shapes) {
        Shape first = shapes.get(0);
        if (kind.equals("dot")) {
            if (first.rank() != 2 || !first.equals(shapes.get(1))) {
                throw new IllegalArgumentException(name() + " needs two inputs of one shape (batch, n), got "
                        + shapes.stream().map(Layer::describe).toList());
            }
            return Shape.of(first.dim(0), Dim.of(1));
        }
        if (combine != null) {
            for (Shape s : shapes) {
                if (!s.equals(first)) {
                    throw new IllegalArgumentException(name() + " needs inputs of one shape, got "
                            + shapes.stream().map(Layer::describe).toList());
                }
            }
            return first;
        }
        int a = axis < 0 ? axis + first.rank() : axis;
        if (a <= 0 || a >= first.rank()) {
            throw new IllegalArgumentException(name() + ": axis " + axis + " is not a feature axis of "
                    + describe(first));
        }
        int size = 0;
        for (Shape s : shapes) {
            for (int d = 0; d < first.rank(); d++) {
                if (s.rank() != first.rank() || d != a && !s.dim(d).equals(first.dim(d))) {
                    throw new IllegalArgumentException(name() + " needs inputs that differ only along axis " + axis
                            + ", got " + shapes.stream().map(Layer::describe).toList());
                }
            }
            size += s.dim(a).size();
        }
        List<Dim> dims = new ArrayList<>(first.dims());
        dims.set(a, Dim.of(size));
        return Shape.of(dims);
    }

    /** The merged value of concrete (or traced) tensors. */
    Tensor merge(List<Tensor> values) {
        if (kind.equals("dot")) {
            return Jf.reduceSum(values.get(0).mul(values.get(1)), true, -1);
        }
        if (combine == null) {
            int a = axis < 0 ? axis + values.get(0).rank() : axis;
            return Jf.concat(values, a);
        }
        Tensor result = values.get(0);
        for (Tensor v : values.subList(1, values.size())) {
            result = combine.apply(result, v);
        }
        return kind.equals("average") ? result.div((double) values.size()) : result;
    }

    @Override
    protected Shape create(Shape input) {
        throw new UnsupportedOperationException(name() + " combines several inputs: use apply(KerasTensor...)");
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        throw new UnsupportedOperationException(name() + " combines several inputs: use apply(KerasTensor...)");
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("mode", kind);
        config.put("axis", axis);
    }
}
