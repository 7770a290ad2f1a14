package io.jitflow.keras.layers;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A symbolic tensor of the functional API, as Keras's KerasTensor: a shape (the batch dim first,
 * unknown) and how it is computed, from a model input through layers applied to such tensors.
 * {@link #input} makes one; {@link Layer#apply} and the merge layers' {@code apply} make the others;
 * {@code Functional.model(input, output)} turns the graph between two of them into a model.
 */
public final class KerasTensor {
    /** The name of the batch dim, as the models call it. */
    static final String BATCH = "batch";

    private final Shape shape;
    private final Layer layer;
    private final List<KerasTensor> inputs;
    /** A model input's name, or null (then named by its place among the model's inputs). */
    private final String name;

    KerasTensor(Shape shape, Layer layer, List<KerasTensor> inputs) {
        this(shape, layer, inputs, null);
    }

    private KerasTensor(Shape shape, Layer layer, List<KerasTensor> inputs, String name) {
        this.shape = shape;
        this.layer = layer;
        this.inputs = List.copyOf(inputs);
        this.name = name;
    }

    /** A model input of these feature dims (the batch dim comes first, unknown). */
    public static KerasTensor input(int... features) {
        return input(null, features);
    }

    /**
     * A named model input (Keras's {@code Input(shape, name=...)}): the name labels it in summary and
     * plotModel and names the saved functions' argument.
     */
    public static KerasTensor input(String name, int... features) {
        if (name != null && !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("input: a name is letters, digits and underscores, not starting with a"
                    + " digit, got '" + name + "'");
        }
        List<Dim> dims = new ArrayList<>(List.of(Dim.named(BATCH)));
        for (int d : features) {
            if (d < 1) {
                throw new IllegalArgumentException("input: every dim must be positive, got " + java.util.Arrays.toString(
                        features));
            }
            dims.add(Dim.of(d));
        }
        return new KerasTensor(Shape.of(dims), null, List.of(), name);
    }

    /** The name given to a model input, or null. */
    String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    /** The layer that computes it, or null for a model input. */
    Layer layer() {
        return layer;
    }

    List<KerasTensor> inputs() {
        return inputs;
    }

    @Override
    public String toString() {
        return "KerasTensor" + Layer.describe(shape) + (layer == null ? " (input)" : " from " + layer.name());
    }
}
