package io.jitflow.keras;

import io.jitflow.ir.Dim;
import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.KerasTensor;
import io.jitflow.keras.layers.Layer;
import io.jitflow.keras.layers.LayerConfig;
import io.jitflow.keras.layers.Layers;
import io.jitflow.keras.layers.Merge;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras's functional API: layers applied to symbolic tensors ({@link KerasTensor#input}, {@code
 * layer.apply(x)}, merge layers), then {@link #model} makes a model of the graph between the inputs
 * and the outputs, with branches, shared layers and merges. The model trains, evaluates, predicts
 * and saves as any {@link Model}: a model of several inputs or outputs takes lists of tensors
 * ({@code fit(List, List, options)}, {@code predict(List)}), and its loss may differ per output.
 *
 * <pre>{@code
 * KerasTensor x = KerasTensor.input(16);
 * KerasTensor h = new Dense(16, "relu").apply(x);
 * KerasTensor y = new Dense(1).apply(Merge.add().apply(x, h));    // a residual connection
 * Model model = Functional.model(x, y);
 * }</pre>
 */
public final class Functional {
    private Functional() {
    }

    public static Model model(KerasTensor input, KerasTensor output) {
        return model(List.of(input), List.of(output));
    }

    /** A model of several inputs or outputs, in this order (as fit, evaluate and predict take and give them). */
    public static Model model(List<KerasTensor> inputs, List<KerasTensor> outputs) {
        return new Model(new FunctionalLayer(inputs, outputs));
    }

    /**
     * A functional model's config: its inputs (names and feature dims), its layers (each once), the
     * applications in order (the layer's name and the labels of what it is applied to, as summary
     * shows them) and the labels of its outputs.
     */
    static void addConfig(FunctionalLayer graph, Map<String, Object> config) {
        List<Map<String, Object>> inputs = new ArrayList<>();
        for (int i = 0; i < graph.inputNames().size(); i++) {
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("name", graph.inputNames().get(i));
            input.put("shape", graph.inputShapes().get(i).dims().subList(1, graph.inputShapes().get(i).rank()).stream()
                    .map(Dim::size).toList());
            inputs.add(input);
        }
        config.put("inputs", inputs);
        config.put("layers", graph.sublayers().stream().map(Layers::serialize).toList());
        List<Map<String, Object>> applications = new ArrayList<>();
        for (FunctionalLayer.Application a : graph.applications()) {
            Map<String, Object> application = new LinkedHashMap<>();
            application.put("layer", a.layer().name());
            application.put("from", a.from());
            applications.add(application);
        }
        config.put("applications", applications);
        config.put("outputs", graph.outputLabels());
    }

    /** The functional model {@link #addConfig} describes: its layers made again and applied as they were. */
    static Model fromConfig(Map<String, Object> config) {
        Map<String, KerasTensor> tensors = new HashMap<>();
        List<KerasTensor> inputs = new ArrayList<>();
        for (Map<String, Object> input : maps(config, "inputs")) {
            KerasTensor t = KerasTensor.input((String) input.get("name"), new LayerConfig("input", input).ints("shape"));
            inputs.add(t);
            tensors.put((String) input.get("name"), t);
        }
        Map<String, Layer> layers = new HashMap<>();
        for (Map<String, Object> serialized : maps(config, "layers")) {
            Layer l = Layers.deserialize(serialized);
            layers.put(l.name(), l);
        }
        Map<Layer, Integer> uses = new HashMap<>();
        for (Map<String, Object> application : maps(config, "applications")) {
            Layer layer = layers.get(String.valueOf(application.get("layer")));
            if (layer == null || !(application.get("from") instanceof List<?> from)) {
                throw new IllegalArgumentException("functional config: an application names no layer of the config or"
                        + " nothing it is applied to: " + application);
            }
            KerasTensor[] args = from.stream().map(label -> tensor(tensors, label)).toArray(KerasTensor[]::new);
            KerasTensor out = layer instanceof Merge m ? m.apply(args) : layer.apply(args[0]);
            tensors.put(layer.name() + "[" + (uses.merge(layer, 1, Integer::sum) - 1) + "]", out);
        }
        if (!(config.get("outputs") instanceof List<?> outputs)) {
            throw new IllegalArgumentException("functional config: 'outputs' must list the outputs' labels");
        }
        return model(inputs, outputs.stream().map(label -> tensor(tensors, label)).toList());
    }

    private static KerasTensor tensor(Map<String, KerasTensor> tensors, Object label) {
        KerasTensor t = tensors.get(String.valueOf(label));
        if (t == null) {
            throw new IllegalArgumentException("functional config: '" + label + "' is neither an input nor computed"
                    + " before it is used");
        }
        return t;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> maps(Map<String, Object> config, String key) {
        if (!(config.get(key) instanceof List<?> list) || !list.stream().allMatch(m -> m instanceof Map)) {
            throw new IllegalArgumentException("functional config: '" + key + "' must be a list of maps, got "
                    + config.get(key));
        }
        return (List<Map<String, Object>>) list;
    }
}
