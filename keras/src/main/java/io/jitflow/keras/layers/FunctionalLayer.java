package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers between a functional model's input and output, as one layer: calling it evaluates
 * the graph of layer applications in order (a shared layer once per application, with one set of
 * weights), and its weights are those of the layers in it. {@code Functional.model} wraps it.
 */
public final class FunctionalLayer extends Layer {
    private final KerasTensor input;
    private final KerasTensor output;
    /** The symbolic tensors from the input to the output, each after those it is computed from. */
    private final List<KerasTensor> order = new ArrayList<>();

    public FunctionalLayer(KerasTensor input, KerasTensor output) {
        super("functional");
        if (input.layer() != null) {
            throw new IllegalArgumentException("a functional model's input must be a KerasTensor.input(...), got " + input);
        }
        this.input = input;
        this.output = output;
        visit(output, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private void visit(KerasTensor t, Set<KerasTensor> seen) {
        if (t == input || !seen.add(t)) {
            return;
        }
        if (t.layer() == null) {
            throw new IllegalArgumentException("the output depends on " + t + ", which is not the model's input "
                    + input + " (several inputs are not supported yet)");
        }
        for (KerasTensor in : t.inputs()) {
            visit(in, seen);
        }
        order.add(t);
    }

    /**
     * One application of a layer in the graph, as summary and plotModel show it: its label
     * ({@code name[i]}, the layer's i-th application, as Keras's node indices), the layer, the
     * labels of what it is applied to ({@code input} for the model's input), its output shape.
     */
    public record Application(String label, Layer layer, List<String> from, Shape output) {
    }

    /** The model's input, then each layer application in order. */
    public List<Application> applications() {
        Map<KerasTensor, String> labels = new IdentityHashMap<>();
        Map<Layer, Integer> uses = new IdentityHashMap<>();
        labels.put(input, "input");
        List<Application> all = new ArrayList<>();
        for (KerasTensor t : order) {
            int use = uses.merge(t.layer(), 1, Integer::sum) - 1;
            String label = t.layer().name() + "[" + use + "]";
            labels.put(t, label);
            all.add(new Application(label, t.layer(), t.inputs().stream().map(labels::get).toList(), t.shape()));
        }
        return all;
    }

    /** The model's input shape, batch dim first. */
    public Shape modelInput() {
        return input.shape();
    }

    /** The layers applied, each once, in order of first application. */
    @Override
    public List<Layer> sublayers() {
        Set<Layer> layers = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Layer> ordered = new ArrayList<>();
        for (KerasTensor t : order) {
            if (layers.add(t.layer())) {
                ordered.add(t.layer());
            }
        }
        return ordered;
    }

    @Override
    public List<Variable> weights() {
        Set<Variable> all = new LinkedHashSet<>();
        for (Layer l : sublayers()) {
            all.addAll(l.weights());
        }
        return List.copyOf(all);
    }

    @Override
    protected Shape create(Shape in) {
        if (!in.equals(input.shape())) {
            throw new IllegalArgumentException("functional model: its input is " + describe(input.shape()) + ", called on "
                    + describe(in));
        }
        return output.shape();
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        Map<KerasTensor, Tensor> values = new IdentityHashMap<>();
        values.put(input, x);
        for (KerasTensor t : order) {
            List<Tensor> args = t.inputs().stream().map(values::get).toList();
            values.put(t, t.layer() instanceof Merge m ? m.merge(args) : t.layer().call(args.get(0), context));
        }
        return values.get(output);
    }
}
