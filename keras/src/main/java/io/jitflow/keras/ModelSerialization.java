package io.jitflow.keras;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.ir.Dim;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Model} goes to and comes back from its config (JSON) and a graph file: its
 * functions and variables, and in the file's metadata its config and compile's arguments; its
 * weights alone.
 */
final class ModelSerialization {
    private ModelSerialization() {
    }

    /** Graph-file metadata keys: the model's JSON, compile's arguments, or why the model has no JSON. */
    private static final String STRUCTURE = "keras.model";
    private static final String COMPILE = "keras.compile";
    private static final String NO_STRUCTURE = "keras.no_structure";

    static void save(Model model, Path file) throws java.io.IOException {
        boolean onnx = requireExtension("save", file, ".jfg", ".onnx").equals(".onnx");
        model.ensureBuilt();
        List<Tensor> xs = model.builtInputs.stream().map(s -> Jf.zeros(s.bind(Map.of(Model.BATCH, 1)).sizes())).toList();
        List<io.jitflow.ir.Function> functions = new ArrayList<>();
        functions.add(renamed(model.predictStep(xs).tracedGraph(xs.toArray(new Tensor[0])), "predict"));
        if (model.trainStep != null && !onnx) {
            List<Tensor> args = new ArrayList<>(xs);
            args.addAll(model.labelExamples);
            Tensor[] testArgs = args.toArray(new Tensor[0]);
            for (Dropout d : model.dropouts()) {
                args.add(Jf.zeros(d.noiseShape(d.inputShape()).bind(Map.of(Model.BATCH, 1)).sizes()));
            }
            functions.add(renamed(model.trainStep.tracedGraph(args.toArray(new Tensor[0])), "train_step"));
            functions.add(renamed(model.testStep(xs, model.labelExamples).tracedGraph(testArgs), "test_step"));
        }
        List<Variable> live = new ArrayList<>(model.weights());
        if (model.optimizer != null) {
            live.addAll(model.optimizer.variables());
            model.metrics().stream().filter(StepMetric::running).forEach(m -> live.addAll(m.state().variables()));
        }
        io.jitflow.ir.Graph graph = io.jitflow.ir.Graph.of(withCurrentValues(live), functions);
        try {
            graph = graph.withMetadata(STRUCTURE, model.toJson());
            Map<String, Object> compiled = model.getCompileConfig();
            if (compiled != null) {
                graph = graph.withMetadata(COMPILE, Json.write(compiled));
            }
        } catch (UnsupportedOperationException noConfig) {
            // The functions and weights still save; load says why the layers cannot come back.
            graph = graph.withMetadata(NO_STRUCTURE, noConfig.getMessage());
        }
        io.jitflow.text.GraphFiles.write(graph, file);
    }

    static Model load(Path file) throws java.io.IOException {
        io.jitflow.ir.Graph graph = io.jitflow.text.GraphFiles.read(file);
        String json = graph.metadata().get(STRUCTURE);
        if (json == null) {
            String why = graph.metadata().get(NO_STRUCTURE);
            throw new IllegalArgumentException(file.getFileName() + " holds no Keras layer structure" + (why != null
                    ? ": " + why : " (Model.save writes it)") + "; SavedModel.load runs its functions");
        }
        Model model = Model.fromJson(json);
        model.ensureBuilt();
        restore(file, graph, model.weights());
        String compiled = graph.metadata().get(COMPILE);
        if (compiled != null) {
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) Json.read(compiled);
            model.compileFromConfig(config);
            model.optimizer.build(model.trainableWeights());
            restore(file, graph, model.optimizer.variables());
        }
        return model;
    }

    /** Sets each variable to the file's variable of its name (the layers' names came back with the config). */
    private static void restore(Path file, io.jitflow.ir.Graph graph, List<Variable> variables) {
        for (Variable v : variables) {
            io.jitflow.ir.Variable saved = graph.variable(v.name()).orElseThrow(() -> new IllegalArgumentException(
                    file.getFileName() + " has no variable " + v.name() + " for the model its config describes"));
            if (!saved.type().equals(v.type())) {
                throw new IllegalArgumentException(file.getFileName() + ": variable " + v.name() + " is " + saved.type()
                        + ", the model's is " + v.type());
            }
            v.assign(Tensor.of(saved.initialValue()));
        }
    }

    /** The file's extension among {@code allowed}; any other is an error naming them. */
    static String requireExtension(String what, Path file, String... allowed) {
        String fileName = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        for (String extension : allowed) {
            if (fileName.endsWith(extension)) {
                return extension;
            }
        }
        throw new IllegalArgumentException(what + ": '" + file.getFileName() + "' has no extension Jitflow writes;"
                + " use " + String.join(" or ", allowed) + (allowed.length > 1 ? " (a graph file with a weights sidecar,"
                + " or an ONNX model)" : ""));
    }

    static void saveWeights(Model model, Path file) throws java.io.IOException {
        requireExtension("saveWeights", file, ".jfg");
        model.ensureBuilt();
        io.jitflow.text.GraphFiles.write(io.jitflow.ir.Graph.of(withCurrentValues(model.weights()), List.of()), file);
    }

    static void loadWeights(Model model, Path file) throws java.io.IOException {
        model.ensureBuilt();
        List<io.jitflow.ir.Variable> saved = io.jitflow.text.GraphFiles.read(file).variables();
        List<Variable> mine = model.weights();
        if (saved.size() != mine.size()) {
            throw new IllegalArgumentException("loadWeights: " + file.getFileName() + " holds " + saved.size()
                    + " weights, model " + model.name() + " has " + mine.size());
        }
        for (int i = 0; i < saved.size(); i++) {
            if (!saved.get(i).type().equals(mine.get(i).type())) {
                throw new IllegalArgumentException("loadWeights: weight " + i + " of " + file.getFileName() + " ("
                        + saved.get(i).name() + ") is " + saved.get(i).type() + ", " + mine.get(i).name() + " is "
                        + mine.get(i).type());
            }
        }
        for (int i = 0; i < saved.size(); i++) {
            mine.get(i).assign(Tensor.of(saved.get(i).initialValue()));
        }
    }

    /** Graph variables holding these variables' current values. */
    private static List<io.jitflow.ir.Variable> withCurrentValues(List<Variable> live) {
        return live.stream().map(v -> new io.jitflow.ir.Variable(v.name(), v.type(), v.asTensor().toHostTensor(),
                v.trainable())).toList();
    }

    private static io.jitflow.ir.Function renamed(io.jitflow.ir.Graph traced, String functionName) {
        io.jitflow.ir.Function f = traced.functions().get(0);
        return new io.jitflow.ir.Function(functionName, f.inputs(), f.nodes(), f.outputs());
    }

    /** {@link Model#getConfig}. */
    static Map<String, Object> config(Model model) {
        if (model.subclassed) {
            throw new UnsupportedOperationException("model " + model.name + " is subclassed: its call is Java code, which has"
                    + " no config");
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", model.name);
        if (model.graph != null) {
            Functional.addConfig(model.graph, config);
            return config;
        }
        int[] input = model.builtInputs != null
                ? model.builtInputs.get(0).dims().subList(1, model.builtInputs.get(0).rank()).stream().mapToInt(Dim::size).toArray()
                : model.declaredInput;
        if (input != null) {
            config.put("input_shape", io.jitflow.keras.layers.LayerConfig.list(input));
        }
        config.put("layers", model.layers.stream().map(io.jitflow.keras.layers.Layers::serialize).toList());
        return config;
    }

    /** {@link Model#fromJson}. */
    @SuppressWarnings("unchecked")
    static Model fromJson(String json) {
        if (!(Json.read(json) instanceof Map<?, ?> top) || !(top.get("config") instanceof Map<?, ?> config)) {
            throw new IllegalArgumentException("a model's JSON is {\"class_name\": ..., \"config\": {...}}");
        }
        Map<String, Object> c = (Map<String, Object>) config;
        Model model;
        if ("Functional".equals(top.get("class_name"))) {
            model = Functional.fromConfig(c);
        } else if ("Sequential".equals(top.get("class_name"))) {
            model = Sequential.fromConfig(c);
        } else {
            throw new IllegalArgumentException("a model's class_name is Sequential or Functional, got "
                    + top.get("class_name"));
        }
        if (c.get("name") instanceof String restored) {
            model.name = restored;
        }
        if (model.declaredInput != null) {
            model.ensureBuilt();
        }
        return model;
    }
}
