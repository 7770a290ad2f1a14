package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers between a functional model's inputs and outputs, as one layer: calling it evaluates
 * the graph of layer applications in order (a shared layer once per application, with one set of
 * weights), and its weights are those of the layers in it. {@code Functional.model} wraps it.
 */
public final class FunctionalLayer extends Layer {
    private final List<KerasTensor> inputs;
    private final List<KerasTensor> outputs;
    /** The inputs' labels: their given names, else "input" (one input) or "input_1", "input_2", ... */
    private final List<String> inputNames = new ArrayList<>();
    /** The symbolic tensors from the inputs to the outputs, each after those it is computed from. */
    private final List<KerasTensor> order = new ArrayList<>();

    public FunctionalLayer(KerasTensor input, KerasTensor output) {
        this(List.of(input), List.of(output));
    }

    public FunctionalLayer(List<KerasTensor> inputs, List<KerasTensor> outputs) {
        super("functional_graph");
        if (inputs.isEmpty() || outputs.isEmpty()) {
            throw new IllegalArgumentException("a functional model needs at least one input and one output, got "
                    + inputs.size() + " inputs and " + outputs.size() + " outputs");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < inputs.size(); i++) {
            KerasTensor in = inputs.get(i);
            if (in.layer() != null) {
                throw new IllegalArgumentException("a functional model's input must be a KerasTensor.input(...), got " + in);
            }
            String label = in.name() != null ? in.name() : inputs.size() == 1 ? "input" : "input_" + (i + 1);
            if (!names.add(label)) {
                throw new IllegalArgumentException("a functional model's inputs need distinct names; '" + label
                        + "' is used twice");
            }
            inputNames.add(label);
        }
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        Set<KerasTensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (KerasTensor out : outputs) {
            visit(out, seen);
        }
        for (KerasTensor in : inputs) {
            if (!seen.contains(in)) {
                throw new IllegalArgumentException("the model's input " + label(in) + " " + in
                        + " is not used by any output");
            }
        }
    }

    private String label(KerasTensor input) {
        return inputNames.get(indexOf(inputs, input));
    }

    private static int indexOf(List<KerasTensor> list, KerasTensor t) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == t) {
                return i;
            }
        }
        return -1;
    }

    private void visit(KerasTensor t, Set<KerasTensor> seen) {
        if (!seen.add(t) || indexOf(inputs, t) >= 0) {
            return;
        }
        if (t.layer() == null) {
            throw new IllegalArgumentException("an output depends on " + t + ", which is not one of the model's "
                    + inputs.size() + " inputs (pass every KerasTensor.input the outputs use)");
        }
        for (KerasTensor in : t.inputs()) {
            visit(in, seen);
        }
        order.add(t);
    }

    /**
     * One application of a layer in the graph, as summary and plotModel show it: its label
     * ({@code name[i]}, the layer's i-th application, as Keras's node indices), the layer, the
     * labels of what it is applied to (an input's name for a model input), its output shape.
     */
    public record Application(String label, Layer layer, List<String> from, Shape output) {
    }

    /** Each layer application in order (the model's inputs are not among them: see {@link #inputNames}). */
    public List<Application> applications() {
        Map<KerasTensor, String> labels = labels();
        return order.stream().map(t -> new Application(labels.get(t), t.layer(), t.inputs().stream().map(labels::get)
                .toList(), t.shape())).toList();
    }

    /** The labels of what the model outputs: applications' labels, or an input's name. */
    public List<String> outputLabels() {
        Map<KerasTensor, String> labels = labels();
        return outputs.stream().map(labels::get).toList();
    }

    /** Each symbolic tensor's label: an input's name, or {@code layer[i]} for the layer's i-th application. */
    private Map<KerasTensor, String> labels() {
        Map<KerasTensor, String> labels = new IdentityHashMap<>();
        Map<Layer, Integer> uses = new IdentityHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            labels.put(inputs.get(i), inputNames.get(i));
        }
        for (KerasTensor t : order) {
            int use = uses.merge(t.layer(), 1, Integer::sum) - 1;
            labels.put(t, t.layer().name() + "[" + use + "]");
        }
        return labels;
    }

    /** The model inputs' labels, in order. */
    public List<String> inputNames() {
        return List.copyOf(inputNames);
    }

    /** The model inputs' shapes, batch dim first, in order. */
    public List<Shape> inputShapes() {
        return inputs.stream().map(KerasTensor::shape).toList();
    }

    /** The model outputs' shapes, batch dim first, in order. */
    public List<Shape> outputShapes() {
        return outputs.stream().map(KerasTensor::shape).toList();
    }

    /**
     * The outputs' names, as Keras names a functional model's outputs: the name of the layer that
     * computes each (a model input passed straight out keeps its own name).
     */
    public List<String> outputNames() {
        List<String> names = new ArrayList<>();
        for (KerasTensor out : outputs) {
            String name = out.layer() == null ? label(out) : out.layer().name();
            if (names.contains(name)) {
                throw new IllegalStateException("two of the model's outputs are both named '" + name + "'; the outputs"
                        + " must come from different layers");
            }
            names.add(name);
        }
        return names;
    }

    /** The layers applied, each once, in order of first application. */
    @Override
    public List<Layer> sublayers() {
        Set<Layer> layers = Collections.newSetFromMap(new IdentityHashMap<>());
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

    /** As a layer in a stack, a graph of one input and one output. */
    @Override
    protected Shape create(Shape in) {
        requireSingle();
        if (!in.equals(inputs.get(0).shape())) {
            throw new IllegalArgumentException("functional model: its input is " + describe(inputs.get(0).shape())
                    + ", called on " + describe(in));
        }
        return outputs.get(0).shape();
    }

    private void requireSingle() {
        if (inputs.size() != 1 || outputs.size() != 1) {
            throw new IllegalArgumentException("functional model " + name() + " has " + inputs.size() + " inputs and "
                    + outputs.size() + " outputs; as a layer of one tensor it needs one of each");
        }
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        requireSingle();
        return call(List.of(x), context).get(0);
    }

    /** The outputs for these inputs (one per model input, in order). */
    public List<Tensor> call(List<Tensor> xs, CallContext context) {
        if (xs.size() != inputs.size()) {
            throw new IllegalArgumentException("functional model " + name() + " takes " + inputs.size() + " inputs "
                    + inputNames + ", got " + xs.size());
        }
        Map<KerasTensor, Tensor> values = new IdentityHashMap<>();
        for (int i = 0; i < xs.size(); i++) {
            values.put(inputs.get(i), xs.get(i));
        }
        for (KerasTensor t : order) {
            List<Tensor> args = t.inputs().stream().map(values::get).toList();
            values.put(t, t.layer() instanceof Merge m ? m.merge(args) : t.layer().call(args.get(0), context));
        }
        return outputs.stream().map(values::get).toList();
    }
}
