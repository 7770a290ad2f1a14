package io.jitflow.keras;

import static io.jitflow.keras.TrainingData.checkExamples;
import static io.jitflow.keras.TrainingData.datasetBatches;
import static io.jitflow.keras.TrainingData.exampleWeights;
import static io.jitflow.keras.TrainingData.close;
import static io.jitflow.keras.TrainingData.features;
import static io.jitflow.keras.TrainingData.labelsFor;
import static io.jitflow.keras.TrainingData.lossSpecsFor;
import static io.jitflow.keras.TrainingData.requireBatchSize;
import static io.jitflow.keras.TrainingData.rows;
import static io.jitflow.keras.TrainingData.sum;
import static io.jitflow.keras.TrainingData.tensorBatches;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.TensorSpec;
import io.jitflow.Variable;
import io.jitflow.data.Dataset;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import io.jitflow.keras.TrainingData.BatchSource;
import io.jitflow.keras.metrics.StatefulMetric;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model, as keras.Model: compile with a loss, an optimizer and metrics, then fit, evaluate and
 * predict. The training step (forward, loss, gradients, optimizer update), the evaluation step and
 * prediction are each one traced and compiled function, traced once for every batch size (the batch
 * dim is unknown to them). Made as a {@link Sequential} stack of layers, a functional graph
 * ({@link Functional#model}), or a subclass whose {@link #call(Tensor, CallContext)} is Java code
 * applying layers it holds ({@link Layer#apply(Tensor, CallContext)}): the layers are found, and
 * built, by running {@code call} once, eagerly, on an example of the input (in inference mode).
 */
public class Model {
    static final String BATCH = "batch";

    String name;
    /** Whether {@link #call(Tensor, CallContext)} is the subclass's own code rather than the stack of layers. */
    final boolean subclassed;
    /** A functional model's graph of layers (its one layer), or null. */
    final FunctionalLayer graph;
    /** The output shapes, batch dim first, once built. */
    private List<Shape> builtOutputs;
    final List<Layer> layers = new ArrayList<>();
    int[] declaredInput;
    /** The input shapes, batch dim first, once built. */
    List<Shape> builtInputs;
    Optimizer optimizer;
    /** Whether fit, evaluate and predict run their steps op by op instead of compiled. */
    private boolean runEagerly;
    /** Set by {@link #stopTraining}: fit ends after the current batch. */
    volatile boolean stopTraining;
    /** compile's loss for each output, and as given (a name or a Loss). */
    List<Loss> losses;
    private List<Object> lossSpecs;
    /** compile's metrics: names, {@link Metric}s and {@link StatefulMetric}s. */
    private List<Object> metricSpecs = List.of();
    private List<StepMetric> metrics;
    JitFunction trainStep;
    /** The training step that takes each example's weight (fit with sample or class weights). */
    private JitFunction weightedTrainStep;
    private JitFunction testStep;
    /** The step that gives a batch's loss and gradients without applying them (see {@link #gradients}). */
    private JitFunction gradientStep;
    private JitFunction predictStep;
    /** One example of each output's labels, as the training step was traced for (saving traces again with them). */
    List<Tensor> labelExamples;

    /** A model of the layers added with {@link #addLayer}, named {@code baseName}, {@code baseName_1}, ... */
    Model(String baseName) {
        this.name = Names.unique(baseName);
        this.subclassed = false;
        this.graph = null;
    }

    /** A functional model of this graph: built already, as its layers were when applied. */
    Model(FunctionalLayer graph) {
        this.name = Names.unique("functional");
        this.subclassed = false;
        this.graph = graph;
        layers.add(graph);
        builtInputs = graph.inputShapes();
        builtOutputs = graph.outputShapes();
        outputNames();
    }

    /**
     * A subclassed model of inputs with these feature dims: its {@link #call(Tensor, CallContext)}
     * applies the layers it holds.
     */
    protected Model(int... inputFeatures) {
        this.name = Names.unique("model");
        this.subclassed = true;
        this.graph = null;
        this.declaredInput = inputFeatures.clone();
    }

    /** Sequential's add: see {@link Sequential#add}. */
    void addLayer(Layer layer) {
        if (graph != null) {
            throw new IllegalStateException("functional model " + name + " has the layers of its graph; apply new layers"
                    + " to its KerasTensors and make a new model");
        }
        if (layer instanceof Input input) {
            if (builtInputs != null || !layers.isEmpty()) {
                throw new IllegalArgumentException("model " + name + ": an Input can only come first");
            }
            declaredInput = input.shape();
            return;
        }
        if (subclassed) {
            throw new IllegalStateException("model " + name + " applies its layers in its call method; it has no stack to add to");
        }
        if (builtInputs != null) {
            builtOutputs = List.of(layer.build(builtOutputs.get(0)));
            metrics = null;
            trainStep = null;
            weightedTrainStep = null;
            gradientStep = null;
            testStep = null;
            predictStep = null;
        }
        layers.add(layer);
        return;
    }

    public String name() {
        return name;
    }

    /** The inputs' names: a functional model's (given, or {@code input_1}, ...), else {@code x}. */
    public List<String> inputNames() {
        return graph != null ? graph.inputNames() : List.of("x");
    }

    /** The outputs' names: a functional model's (the layers computing them), else {@code y}. */
    public List<String> outputNames() {
        return graph != null ? graph.outputNames() : List.of("y");
    }

    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    public Layer layer(int index) {
        return layers.get(index);
    }

    public Layer layer(String layerName) {
        return layers.stream().filter(l -> l.name().equals(layerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer named '" + layerName + "' in " + name));
    }

    // ---- building and calling ----

    /** The shape of a batch of examples with these feature dims. */
    private static Shape batchOf(int[] features) {
        List<Dim> dims = new ArrayList<>(List.of(Dim.named(BATCH)));
        for (int f : features) {
            dims.add(Dim.of(f));
        }
        return Shape.of(dims);
    }

    private void build(int[] features) {
        Shape input = batchOf(features);
        Shape expected = builtInputs != null ? builtInputs.get(0) : declaredInput != null ? batchOf(declaredInput) : input;
        if (!expected.equals(input)) {
            throw new IllegalArgumentException("model " + name + " expects inputs of shape " + Layer.describe(expected)
                    + ", got " + Layer.describe(input));
        }
        if (builtInputs != null) {
            return;
        }
        if (subclassed) {
            buildByCalling(input, features);
            return;
        }
        if (layers.isEmpty()) {
            throw new IllegalStateException("model " + name + " has no layers");
        }
        Shape shape = input;
        List<Layer> builtNow = new ArrayList<>();
        try {
            for (Layer l : layers) {
                boolean wasBuilt = l.isBuilt();
                shape = l.build(shape);
                if (!wasBuilt) {
                    builtNow.add(l);
                }
            }
        } catch (RuntimeException e) {
            // A model that failed to build is not half built: a retry with the right input starts afresh.
            builtNow.forEach(Layer::unbuild);
            throw e;
        }
        builtInputs = List.of(input);
        builtOutputs = List.of(shape);
    }

    /**
     * A subclassed model's build: its call runs once, eagerly and in inference mode, on zeros of
     * one example, which builds the layers it applies and finds them (they become the model's layers:
     * its weights, summary and dropouts); the output shape is the result's, its batch dim unknown.
     */
    private void buildByCalling(Shape input, int[] features) {
        int[] example = new int[features.length + 1];
        example[0] = 1;
        System.arraycopy(features, 0, example, 1, features.length);
        Tensor[] result = new Tensor[1];
        List<Layer> applied = Layer.appliedDuring(() -> result[0] = Jf.eagerly(() ->
                call(Jf.zeros(DType.FLOAT32, example), CallContext.INFERENCE)));
        if (applied.isEmpty()) {
            throw new IllegalStateException("model " + name + ": its call applied no layer (apply layers with"
                    + " layer.apply(x, context))");
        }
        layers.addAll(applied);
        List<Dim> out = new ArrayList<>(result[0].type().shape().dims());
        out.set(0, Dim.named(BATCH));
        builtInputs = List.of(input);
        builtOutputs = List.of(Shape.of(out));
    }

    /**
     * Builds for the inputs' feature dims (a functional model checks them); their batch dim may be
     * unknown (a call traced under a TensorSpec).
     */
    private void buildFor(List<Tensor> xs) {
        List<String> inputs = inputNames();
        if (xs.size() != inputs.size()) {
            throw new IllegalArgumentException("model " + name + " takes " + inputs.size() + " input" + (inputs.size() == 1
                    ? "" : "s " + inputs) + ", got " + xs.size());
        }
        for (int i = 0; i < xs.size(); i++) {
            Shape shape = xs.get(i).type().shape();
            int[] features = new int[shape.rank() - 1];
            for (int d = 1; d < shape.rank(); d++) {
                if (!shape.dim(d).isStatic()) {
                    throw new IllegalArgumentException("model " + name + ": dim " + d + " of the input " + xs.get(i).type()
                            + " is unknown; only the batch dim (the first) may be");
                }
                features[d - 1] = shape.dim(d).size();
            }
            if (graph == null) {
                build(features);
            } else if (!batchOf(features).equals(builtInputs.get(i))) {
                throw new IllegalArgumentException("model " + name + ": input " + inputs.get(i) + " must have shape "
                        + Layer.describe(builtInputs.get(i)) + ", got " + Layer.describe(batchOf(features)));
            }
        }
    }

    /** The model's outputs for a batch of each input. */
    private List<Tensor> forward(List<Tensor> xs, CallContext context) {
        return graph != null ? graph.call(xs, context) : List.of(call(xs.get(0), context));
    }

    /** Each output's labels as its loss takes them (see {@link TrainingData#labelsFor}). */
    private List<Tensor> labels(List<Tensor> ys) {
        return labelsFor(ys, losses, name, outputNames());
    }

    /** The error a step's failed label check means (see {@link TrainingData#labelError}). */
    private RuntimeException labelError(io.jitflow.ir.EvaluationException failure, List<Tensor> ys) {
        return TrainingData.labelError(failure, ys, losses, builtOutputs, outputNames());
    }

    /**
     * The model's computation on a batch: the stack of layers, in order; a subclassed model
     * overrides it, applying its layers with {@link Layer#apply(Tensor, CallContext)} and passing
     * {@code context} on (it says whether fit is training, and carries dropout's noise).
     */
    protected Tensor call(Tensor x, CallContext context) {
        Tensor y = x;
        for (Layer l : layers) {
            y = l.call(y, context);
        }
        return y;
    }

    /** The model applied to a batch, eagerly (dropout inactive). */
    public Tensor call(Tensor x) {
        return single(call(List.of(x)), "call");
    }

    /** The model applied to a batch of each input, eagerly (dropout inactive): each output. */
    public List<Tensor> call(List<Tensor> xs) {
        List<Tensor> features = features("call", xs);
        buildFor(features);
        return forward(features, CallContext.INFERENCE);
    }

    /** The one output, for the methods of one tensor; a model of several outputs says which method to use. */
    private Tensor single(List<Tensor> outputs, String method) {
        if (outputs.size() != 1) {
            throw new IllegalArgumentException("model " + name + " has " + outputs.size() + " outputs " + outputNames()
                    + "; use " + method + "(List<Tensor>), which returns each");
        }
        return outputs.get(0);
    }

    /** Every layer's weight variables, in order (trainable or not). */
    public List<Variable> weights() {
        List<Variable> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.weights()));
        return all;
    }

    public List<Variable> trainableWeights() {
        List<Variable> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.trainableWeights()));
        return all;
    }

    /** Every layer's weights, in order. */
    public List<Tensor> getWeights() {
        List<Tensor> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.getWeights()));
        return all;
    }

    public void setWeights(List<Tensor> values) {
        int expected = layers.stream().mapToInt(l -> l.weights().size()).sum();
        if (expected != values.size()) {
            throw new IllegalArgumentException("model " + name + " has " + expected + " weights, got " + values.size());
        }
        int at = 0;
        for (Layer l : layers) {
            int n = l.weights().size();
            l.setWeights(values.subList(at, at + n));
            at += n;
        }
    }

    // ---- compile, fit, evaluate, predict ----

    /**
     * Sets the optimizer (an {@link Optimizer} or a name such as "adam"), the loss (a {@link Loss} or
     * a name such as "sparse_categorical_crossentropy") and the metrics: names ("accuracy", "mse",
     * "mae"), per-batch {@link Metric}s, or metric objects that accumulate over the epoch
     * ({@link StatefulMetric}: {@code new Precision()}, {@code new Auc()}, ...). A model of several
     * outputs takes one loss for all, a {@code List} of one per output or a {@code Map} from output
     * names (see {@link #outputNames}); it minimizes their sum, and the metrics apply to every output
     * (logged as {@code <output>_<metric>}).
     */
    public void compile(Object optimizer, Object loss, Object... metrics) {
        List<String> outputs = outputNames();
        for (Object m : metrics) {
            if (!(m instanceof String || m instanceof Metric || m instanceof StatefulMetric)) {
                throw new IllegalArgumentException("compile: a metric is a name, a Metric or a StatefulMetric, got "
                        + (m == null ? "null" : m.getClass().getName()));
            }
            if (m instanceof StatefulMetric s && outputs.size() > 1) {
                throw new IllegalArgumentException("compile: metric object " + s.name() + " keeps the state of one output;"
                        + " model " + name + " has " + outputs.size() + " outputs " + outputs + " (use metric names)");
            }
        }
        this.optimizer = optimizer instanceof Optimizer o ? o : Optimizer.of((String) optimizer);
        this.lossSpecs = lossSpecsFor(loss, outputs);
        this.losses = lossSpecs.stream().map(TrainingData::lossOf).toList();
        this.metricSpecs = List.of(metrics);
        this.metrics = null;
        trainStep = null;
        weightedTrainStep = null;
        gradientStep = null;
        testStep = null;
    }

    private void requireCompiled() {
        if (optimizer == null) {
            throw new IllegalStateException("model " + name + " must be compiled (compile(optimizer, loss, metrics)) first");
        }
    }

    /** Each output's metrics, the outputs in order. */
    List<StepMetric> metrics() {
        if (metrics == null) {
            List<StepMetric> all = new ArrayList<>();
            for (int o = 0; o < losses.size(); o++) {
                Shape out = builtOutputs.get(o);
                int units = out.dim(out.rank() - 1).size();
                for (Object spec : metricSpecs) {
                    all.add(StepMetric.of(spec, outputPrefix(o), o, losses.get(o), units));
                }
            }
            metrics = all;
        }
        return metrics;
    }

    /** What an output's loss and metrics are logged under: {@code <output>_}, or nothing with one output. */
    private String outputPrefix(int output) {
        return losses.size() > 1 ? outputNames().get(output) + "_" : "";
    }

    /** Starts the stateful metrics afresh (fit at each epoch, evaluate at each call). */
    void resetMetrics() {
        metrics().stream().filter(StepMetric::running).forEach(m -> m.state().resetState());
    }

    /** Per step output (losses first), whether it is a running value rather than a batch's. */
    boolean[] running() {
        List<StepMetric> all = metrics();
        int lossCount = names("").size() - all.size();
        boolean[] running = new boolean[all.size() + lossCount];
        for (int i = 0; i < all.size(); i++) {
            running[i + lossCount] = all.get(i).running();
        }
        return running;
    }

    /** The dropout layers, also inside layers that hold others (a functional graph), in order. */
    List<Dropout> dropouts() {
        List<Dropout> found = new ArrayList<>();
        collectDropouts(layers, found);
        return found;
    }

    private static void collectDropouts(List<Layer> in, List<Dropout> found) {
        for (Layer l : in) {
            if (l instanceof Dropout d && !found.contains(d)) {
                found.add(d);
            }
            collectDropouts(l.sublayers(), found);
        }
    }

    private TensorSpec spec(DType dtype, Shape shape) {
        Object[] dims = new Object[shape.rank()];
        dims[0] = BATCH;
        for (int d = 1; d < shape.rank(); d++) {
            dims[d] = shape.dim(d).size();
        }
        return TensorSpec.of(dtype, dims);
    }

    private Shape labelShape(Tensor y) {
        return batchOf(java.util.Arrays.copyOfRange(y.shape(), 1, y.rank()));
    }

    /** The steps' argument names for the inputs: {@code x} for one, else the inputs' names. */
    private List<String> inputArguments() {
        List<String> inputs = inputNames();
        return inputs.size() == 1 ? List.of("x") : inputs;
    }

    /** The steps' argument names for the labels: {@code labels} for one output, else {@code labels_<output>}. */
    private List<String> labelArguments() {
        List<String> outputs = outputNames();
        return outputs.size() == 1 ? List.of("labels") : outputs.stream().map(o -> "labels_" + o).toList();
    }

    /** Specs of a batch of each of these tensors, the first as the model's input {@code shapes}, the batch dim unknown. */
    private List<TensorSpec> inputSpecs(List<Tensor> xs) {
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            specs.add(spec(xs.get(i).dtype(), builtInputs.get(i)));
        }
        return specs;
    }

    /**
     * What the training and test steps return: the loss (the sum of the outputs' losses; with
     * {@code weights}, each a batch mean of each example's loss times its weight, as Keras's), each
     * output's loss when there are several, then the metrics.
     */
    private List<Tensor> stepResults(List<Tensor> labels, List<Tensor> predictions, Tensor weights) {
        List<Tensor> perOutput = outputLosses(labels, predictions, weights);
        List<Tensor> results = new ArrayList<>(List.of(sum(perOutput)));
        if (perOutput.size() > 1) {
            results.addAll(perOutput);
        }
        for (StepMetric m : metrics()) {
            results.add(m.inStep().apply(labels.get(m.output()), predictions.get(m.output())));
        }
        return results;
    }

    /** Each output's loss (with {@code weights}, a batch mean of each example's loss times its weight). */
    private List<Tensor> outputLosses(List<Tensor> labels, List<Tensor> predictions, Tensor weights) {
        List<Tensor> perOutput = new ArrayList<>();
        for (int o = 0; o < losses.size(); o++) {
            Loss l = losses.get(o);
            perOutput.add(weights == null ? l.compute(labels.get(o), predictions.get(o))
                    : Jf.reduceMean(l.perExample(labels.get(o), predictions.get(o)).mul(weights)));
        }
        return perOutput;
    }

    /**
     * The compiled training step: inputs x, labels, (with {@code weighted}) each example's weight,
     * then the dropout layers' noise; outputs the loss and the metrics. A weighted step's loss is
     * the mean over the batch of each example's loss times its weight, as Keras's.
     */
    JitFunction trainStep(List<Tensor> xs, List<Tensor> ys, boolean weighted) {
        JitFunction cached = weighted ? weightedTrainStep : trainStep;
        if (cached != null) {
            return cached;
        }
        labelExamples = ys.stream().map(y -> rows(y, 0, 1)).toList();
        JitFunction step = trainingFunction(xs, ys, weighted, true);
        if (weighted) {
            weightedTrainStep = step;
        } else {
            trainStep = step;
        }
        return step;
    }

    /**
     * A traced step in training mode: inputs as {@link #trainStep}'s. With {@code update} it applies
     * the optimizer and returns the loss and the metrics; without, it returns the loss and its
     * gradients with respect to the trainable weights, leaving every weight as it was.
     */
    private JitFunction trainingFunction(List<Tensor> xs, List<Tensor> ys, boolean weighted, boolean update) {
        List<Dropout> dropouts = dropouts();
        List<TensorSpec> specs = new ArrayList<>(inputSpecs(xs));
        ys.forEach(y -> specs.add(spec(y.dtype(), labelShape(y))));
        List<String> inputNames = new ArrayList<>(inputArguments());
        inputNames.addAll(labelArguments());
        int n = xs.size();
        int m = ys.size();
        if (weighted) {
            specs.add(TensorSpec.of(DType.FLOAT32, BATCH));
            inputNames.add("sample_weight");
        }
        int noiseAt = specs.size();
        for (Dropout d : dropouts) {
            specs.add(spec(DType.FLOAT32, d.noiseShape(d.inputShape())));
            inputNames.add("noise_" + d.name());
        }
        optimizer.build(trainableWeights());
        List<String> outputNames = new ArrayList<>(List.of("loss"));
        for (int i = 0; !update && i < trainableWeights().size(); i++) {
            outputNames.add("gradient_" + i);
        }
        String functionName = name + (!update ? "_gradients" : weighted ? "_weighted_train_step" : "_train_step");
        return Jit.function(functionName, inputNames, update ? names("") : outputNames, args -> {
            Map<Layer, Tensor> noise = new HashMap<>();
            for (int i = 0; i < dropouts.size(); i++) {
                noise.put(dropouts.get(i), args.get(noiseAt + i));
            }
            List<Variable> weights = trainableWeights();
            try (GradientTape tape = new GradientTape()) {
                List<Tensor> predictions = forward(args.subList(0, n), new CallContext(true, noise));
                List<Tensor> labels = args.subList(n, n + m);
                if (!update) {
                    Tensor loss = sum(outputLosses(labels, predictions, null));
                    List<Tensor> out = new ArrayList<>(List.of(loss));
                    out.addAll(tape.gradient(loss, weights));
                    return out;
                }
                List<Tensor> results = stepResults(labels, predictions, weighted ? args.get(n + m) : null);
                optimizer.apply(weights, tape.gradient(results.get(0), weights));
                return results;
            }
        }, specs.toArray(new TensorSpec[0]));
    }

    // ---- steps for data-parallel training ----

    /** A batch's loss and its gradients, one per trainable weight in {@link #trainableWeights}' order. */
    public record Gradients(double loss, List<Tensor> values) {
    }

    /**
     * The loss on one batch and its gradients with respect to the trainable weights, in training
     * mode (dropout's noise drawn from {@code noiseSeed}), leaving every weight as it was: what each
     * shard of a data-parallel step computes before the shards' gradients are combined (the spark
     * module's SparkTrainer). Traced and compiled once, for every batch size.
     */
    public Gradients gradients(Tensor x, Tensor y, long noiseSeed) {
        requireCompiled();
        List<Tensor> xs = features("gradients", List.of(x));
        checkExamples("gradients", xs, Collections.singletonList(y));
        List<Tensor> ys = labels(Collections.singletonList(y));
        buildFor(xs);
        if (gradientStep == null) {
            gradientStep = trainingFunction(xs, ys, false, false);
        }
        List<Tensor> args = new ArrayList<>(xs);
        args.addAll(ys);
        args.addAll(FitLoop.noise(dropouts(), xs.get(0).shape()[0], noiseSeed, xs.get(0).device()));
        try {
            List<Tensor> out = run(gradientStep, args.toArray(new Tensor[0]));
            return new Gradients(out.get(0).doubleValue(), out.subList(1, out.size()));
        } catch (io.jitflow.ir.EvaluationException e) {
            throw labelError(e, ys);
        }
    }

    /**
     * One optimizer step with these gradients (one per trainable weight, in order), as a step of fit
     * applies them; the step counter advances.
     */
    public void applyGradients(List<Tensor> gradients) {
        requireCompiled();
        List<Variable> weights = trainableWeights();
        if (gradients.size() != weights.size()) {
            throw new IllegalArgumentException("applyGradients: model " + name + " has " + weights.size()
                    + " trainable weights, got " + gradients.size() + " gradients");
        }
        for (int i = 0; i < weights.size(); i++) {
            if (!gradients.get(i).type().equals(weights.get(i).type())) {
                throw new IllegalArgumentException("applyGradients: the gradient of " + weights.get(i).name() + " must be "
                        + weights.get(i).type() + ", got " + gradients.get(i).type());
            }
        }
        optimizer.apply(weights, gradients);
    }

    JitFunction testStep(List<Tensor> xs, List<Tensor> ys) {
        if (testStep == null) {
            List<TensorSpec> specs = new ArrayList<>(inputSpecs(xs));
            ys.forEach(y -> specs.add(spec(y.dtype(), labelShape(y))));
            List<String> inputNames = new ArrayList<>(inputArguments());
            inputNames.addAll(labelArguments());
            int n = xs.size();
            testStep = Jit.function(name + "_test_step", inputNames, names(""), args -> stepResults(
                    args.subList(n, args.size()), forward(args.subList(0, n), CallContext.INFERENCE), null),
                    specs.toArray(new TensorSpec[0]));
        }
        return testStep;
    }

    JitFunction predictStep(List<Tensor> xs) {
        if (predictStep == null) {
            List<String> outputs = outputNames();
            predictStep = Jit.function(name + "_predict", inputArguments(), outputs.size() == 1 ? List.of("y") : outputs,
                    args -> forward(args, CallContext.INFERENCE), inputSpecs(xs).toArray(new TensorSpec[0]));
        }
        return predictStep;
    }

    /** Trains on (x, y); returns the history of loss and metrics per epoch. */
    public History fit(Tensor x, Tensor y, FitOptions options) {
        return fit(Collections.singletonList(x), Collections.singletonList(y), options);
    }

    /**
     * Trains a model of several inputs or outputs: {@code xs} holds each input's examples and
     * {@code ys} each output's labels, in the order of {@link #inputNames} and {@link #outputNames}.
     */
    public History fit(List<Tensor> xs, List<Tensor> ys, FitOptions options) {
        requireCompiled();
        List<Tensor> allX = features("fit", xs);
        checkExamples("fit", allX, ys);
        List<Tensor> allY = labels(ys);
        buildFor(allX);
        Tensor allW = exampleWeights(options, allY, name, outputNames());
        List<Tensor> valX = options.validationX == null ? null : features("fit (validation data)", options.validationX);
        List<Tensor> valY = options.validationY == null ? null : labels(options.validationY);
        if (valX != null) {
            checkExamples("fit (validation data)", valX, valY);
        }
        List<Tensor> train = new ArrayList<>(allX);
        train.addAll(allY);
        if (allW != null) {
            train.add(allW);
        }
        if (options.validationSplit > 0) {
            int n = allX.get(0).shape()[0];
            int split = (int) (n * (1 - options.validationSplit));
            if (split == 0 || split == n) {
                throw new IllegalArgumentException("fit: a validation split of " + options.validationSplit + " of " + n
                        + " examples leaves " + split + " for training and " + (n - split) + " for validation");
            }
            valX = allX.stream().map(t -> rows(t, split, n)).toList();
            valY = allY.stream().map(t -> rows(t, split, n)).toList();
            train = train.stream().map(t -> rows(t, 0, split)).toList();
        }
        try {
            return FitLoop.run(this, tensorBatches(train, options), train, valX, valY, options);
        } catch (io.jitflow.ir.EvaluationException e) {
            throw labelError(e, allY);
        }
    }

    /**
     * Trains on a dataset's batches ({@link Dataset#batch} it first), read anew each epoch: as many
     * batches as it holds, or {@code stepsPerEpoch}. Validation data, if any, is given as tensors.
     */
    public History fit(Dataset batches, FitOptions options) {
        requireCompiled();
        if (!batches.isBatched()) {
            throw new IllegalArgumentException("fit: the dataset gives single examples; batch it first (dataset.batch(32))");
        }
        if (inputNames().size() != 1 || losses.size() != 1) {
            throw new IllegalArgumentException("fit: a dataset gives one x and one y per batch; model " + name + " has "
                    + inputNames().size() + " inputs and " + losses.size() + " outputs (fit it on lists of tensors)");
        }
        if (options.sampleWeight != null || options.classWeight != null || options.validationSplit > 0) {
            throw new IllegalArgumentException("fit: with a dataset, sample and class weights and a validation split are"
                    + " not supported; map the dataset, or pass validation data as tensors");
        }
        Iterator<Dataset.Example> probe = batches.iterator();
        if (!probe.hasNext()) {
            close(probe);
            throw new IllegalArgumentException("fit: the dataset is empty");
        }
        Dataset.Example firstBatch = probe.next();
        close(probe);
        List<Tensor> first = List.of(features("fit", firstBatch.x()), labelsFor(firstBatch.y(), losses.get(0)));
        buildFor(first.subList(0, 1));
        List<Tensor> valX = options.validationX == null ? null : features("fit (validation data)", options.validationX);
        List<Tensor> valY = options.validationY == null ? null : labels(options.validationY);
        BatchSource source = datasetBatches(batches, losses.get(0));
        try {
            return FitLoop.run(this, source, first, valX, valY, options);
        } catch (io.jitflow.ir.EvaluationException e) {
            throw labelError(e, first.subList(1, 2));
        }
    }

    /**
     * Asks fit to stop after the current batch (Keras's {@code model.stop_training = True}), as
     * EarlyStopping and TerminateOnNaN do; the epoch's end is still reported.
     */
    public void stopTraining() {
        stopTraining = true;
    }

    /**
     * Runs the training, test and prediction steps op by op instead of compiling them (Keras's
     * {@code run_eagerly}): slower, for debugging (breakpoints and prints in layers and losses see
     * concrete values); results equal the compiled ones within rounding.
     */
    public Model runEagerly(boolean on) {
        this.runEagerly = on;
        return this;
    }

    /** A step's results: compiled, or op by op when {@link #runEagerly}. */
    List<Tensor> run(JitFunction step, Tensor... args) {
        return runEagerly ? step.callEagerly(args) : step.callAll(args);
    }

    /** The optimizer compile set, or null before compile. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** The steps' result names: the loss, each output's loss when there are several, each output's metrics. */
    List<String> names(String prefix) {
        List<String> all = new ArrayList<>(List.of(prefix + "loss"));
        List<String> outputs = outputNames();
        if (outputs.size() > 1) {
            outputs.forEach(o -> all.add(prefix + o + "_loss"));
        }
        for (int o = 0; o < outputs.size(); o++) {
            for (Object m : metricSpecs) {
                all.add(prefix + outputPrefix(o) + (m instanceof String s ? Metric.of(s, losses.get(o), 2).name()
                        : m instanceof Metric given ? given.name() : ((StatefulMetric) m).name()));
            }
        }
        return all;
    }

    public Map<String, Double> evaluate(Tensor x, Tensor y) {
        return evaluate(x, y, 32);
    }

    /** The loss and metrics over (x, y), averaged over all examples. */
    public Map<String, Double> evaluate(Tensor x, Tensor y, int batchSize) {
        return evaluate(Collections.singletonList(x), Collections.singletonList(y), batchSize);
    }

    /** The loss and metrics over each input's examples and each output's labels, averaged over all examples. */
    public Map<String, Double> evaluate(List<Tensor> xs, List<Tensor> ys, int batchSize) {
        requireCompiled();
        requireBatchSize(batchSize);
        List<Tensor> features = features("evaluate", xs);
        checkExamples("evaluate", features, ys);
        List<Tensor> labels = labels(ys);
        buildFor(features);
        try {
            return averages(features, labels, batchSize);
        } catch (io.jitflow.ir.EvaluationException e) {
            throw labelError(e, labels);
        }
    }

    /** The loss and metrics over prepared inputs and labels, averaged over all examples. */
    Map<String, Double> averages(List<Tensor> xs, List<Tensor> ys, int batchSize) {
        JitFunction step = testStep(xs, ys);
        resetMetrics();
        Averages averages = new Averages(names(""), running());
        List<Tensor> all = new ArrayList<>(xs);
        all.addAll(ys);
        int n = xs.get(0).shape()[0];
        for (int from = 0; from < n; from += batchSize) {
            int start = from;
            int to = Math.min(n, from + batchSize);
            averages.add(run(step, all.stream().map(t -> rows(t, start, to)).toArray(Tensor[]::new)), to - from);
        }
        return averages.values();
    }

    public Tensor predict(Tensor x) {
        return predict(x, 32);
    }

    /** The model's outputs for every example, computed in batches. */
    public Tensor predict(Tensor x, int batchSize) {
        return single(predict(List.of(x), batchSize), "predict");
    }

    public List<Tensor> predict(List<Tensor> xs) {
        return predict(xs, 32);
    }

    /** Each output for every example of each input (in {@link #inputNames}' order), computed in batches. */
    public List<Tensor> predict(List<Tensor> xs, int batchSize) {
        requireBatchSize(batchSize);
        List<Tensor> features = features("predict", xs);
        buildFor(features);
        int n = features.get(0).shape()[0];
        for (Tensor f : features) {
            if (f.shape()[0] != n) {
                throw new IllegalArgumentException("predict: every input must hold the same number of examples, got "
                        + features.stream().map(t -> t.type().toString()).toList());
            }
        }
        if (n == 0) {
            return builtOutputs.stream().map(out -> Jf.zeros(DType.FLOAT32, out.bind(Map.of(BATCH, 0)).sizes())).toList();
        }
        JitFunction step = predictStep(features);
        List<List<Tensor>> parts = new ArrayList<>();
        builtOutputs.forEach(o -> parts.add(new ArrayList<>()));
        for (int from = 0; from < n; from += batchSize) {
            int start = from;
            int to = Math.min(n, from + batchSize);
            List<Tensor> outputs = run(step, features.stream().map(t -> rows(t, start, to)).toArray(Tensor[]::new));
            for (int o = 0; o < outputs.size(); o++) {
                parts.get(o).add(outputs.get(o));
            }
        }
        return parts.stream().map(p -> p.size() == 1 ? p.get(0) : Jf.concat(p, 0)).toList();
    }

    // ---- saving ----

    /**
     * Writes the model as a graph file (and its weights sidecar): function {@code predict(x) -> y},
     * and once compiled and trained, {@code train_step(x, labels, noise...) -> (loss, metrics...)}
     * and {@code test_step}; the variables hold the weights and the optimizer's state. Written
     * atomically. The file's metadata holds the model's JSON ({@link #toJson}) and compile's
     * arguments, for {@link #load}; {@link SavedModel#load} runs the functions without them. A path
     * ending in {@code .onnx} writes an ONNX model of {@code predict} instead, the weights as
     * initializers.
     */
    public void save(java.nio.file.Path file) throws java.io.IOException {
        ModelSerialization.save(this, file);
    }

    /**
     * compile's arguments as a config (the optimizer's config, the losses' and metrics' names), as
     * Keras's get_compile_config; null before compile, or when one of them has none: a Loss or
     * metric object (Java code) or a learning-rate schedule. {@link #compileFromConfig} reads it.
     */
    public Map<String, Object> getCompileConfig() {
        if (optimizer == null || !(optimizer.getConfig().get("learning_rate") instanceof Number)
                || !lossSpecs.stream().allMatch(l -> l instanceof String)
                || !metricSpecs.stream().allMatch(m -> m instanceof String)) {
            return null;
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("optimizer", optimizer.getConfig());
        config.put("loss", lossSpecs);
        config.put("metrics", metricSpecs);
        return config;
    }

    /**
     * A model that {@link #save} wrote, as keras.models.load_model: its layers made again from the
     * file's config, its weights read back, and, when it was saved compiled with an optimizer without
     * a schedule and its losses and metrics given by name, compiled as it was with the optimizer's
     * state (step count, rate, moments) restored, so that fit goes on where it stopped. It predicts,
     * evaluates, summarizes and saves again as the model did. A subclassed model, or one holding a
     * Lambda or a custom layer without a config, has no layer structure to load: the error says so
     * ({@link SavedModel#load} still runs its functions).
     */
    public static Model load(java.nio.file.Path file) throws java.io.IOException {
        return ModelSerialization.load(file);
    }

    /** Compiles as {@link #getCompileConfig} describes (a fresh optimizer of that config), as Keras's compile_from_config. */
    @SuppressWarnings("unchecked")
    public void compileFromConfig(Map<String, Object> config) {
        if (!(config.get("optimizer") instanceof Map<?, ?> optimizerConfig) || !(config.get("metrics") instanceof List<?> names)) {
            throw new IllegalArgumentException("a compile config has an optimizer config, the loss and a list of metrics,"
                    + " got " + config);
        }
        compile(Optimizer.fromConfig((Map<String, Object>) optimizerConfig), config.get("loss"), names.toArray());
    }

    /** The input shapes, batch dim first (unknown), in {@link #inputNames}' order, as Keras's input_shape. */
    public List<Shape> inputShapes() {
        ensureBuilt();
        return builtInputs;
    }

    // ---- configs ----

    /**
     * The model's config, as Keras's get_config: a Sequential's input shape and layers (each as
     * {@code {"class_name", "config"}}), a functional model's inputs, layers, their applications and
     * outputs; {@link #fromJson} makes the model again, with fresh weights. A subclassed model has
     * none (its call is Java code), nor has a model holding a layer without one: this throws,
     * naming what has no config.
     */
    public Map<String, Object> getConfig() {
        return ModelSerialization.config(this);
    }

    /** The model as JSON, as Keras's to_json: {@code {"class_name": "Sequential" or "Functional", "config": ...}}. */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", graph != null ? "Functional" : "Sequential");
        out.put("config", getConfig());
        return Json.write(out);
    }

    /**
     * The model that {@link #toJson} describes, its layers made again with fresh weights, uncompiled;
     * built when its input shape is known (a functional model, a Sequential with one).
     */
    public static Model fromJson(String json) {
        return ModelSerialization.fromJson(json);
    }

    /**
     * Writes the weights alone (every layer's, in order, with their names and current values; not
     * the optimizer's state) to a graph file without functions, as Keras's save_weights.
     */
    public void saveWeights(java.nio.file.Path file) throws java.io.IOException {
        ModelSerialization.saveWeights(this, file);
    }

    /**
     * Sets the weights from a file {@link #saveWeights} wrote, in order (the layer names may differ,
     * as in a model built again in another JVM); their number and types must match.
     */
    public void loadWeights(java.nio.file.Path file) throws java.io.IOException {
        ModelSerialization.loadWeights(this, file);
    }

    // ---- pictures ----

    /**
     * Writes a picture of the layers and their shapes, as keras.utils.plot_model: Graphviz DOT for a
     * .dot file, SVG for a .svg file, PNG for a .png file.
     */
    public void plotModel(java.nio.file.Path file) throws java.io.IOException {
        ensureBuilt();
        ModelPlot.picture(Layer.describe(builtInputs.get(0)), layers).write(file, name);
    }

    void ensureBuilt() {
        if (builtInputs == null) {
            if (declaredInput == null) {
                throw new IllegalStateException("model " + name + " is not built yet: declare its input with new Input(...)"
                        + " or call it (fit, predict) first");
            }
            build(declaredInput);
        }
    }

    // ---- summary ----

    /** Prints and returns Keras's table: each layer's name, type, output shape and parameter count. */
    public String summary() {
        return summary(System.out);
    }

    public String summary(PrintStream out) {
        ensureBuilt();
        String table = ModelSummary.table(name, layers);
        out.print(table);
        return table;
    }
}
