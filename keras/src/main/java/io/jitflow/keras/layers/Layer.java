package io.jitflow.keras.layers;

import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.Initializer;
import io.jitflow.keras.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Keras layer: built once for an input shape (the batch dim is {@code None}, kept symbolic),
 * then called on tensors, eagerly or while a model's step is traced.
 */
public abstract class Layer {
    private String name;
    private final List<Variable> weights = new ArrayList<>();
    private Shape inputShape;
    private Shape outputShape;

    protected Layer(String baseName) {
        this.name = Names.unique(baseName);
    }

    public String name() {
        return name;
    }

    /** Renames the layer (Keras's {@code name=} argument); only before it is built. */
    public Layer named(String newName) {
        if (inputShape != null) {
            throw new IllegalStateException("layer " + name + " is already built; name it when creating it");
        }
        this.name = newName;
        return this;
    }

    /**
     * The layer's config, as Keras's get_config: its name and the arguments that made it (not its
     * weights); {@link Layers#fromConfig} makes the layer again from it. A layer that holds Java code
     * (a Lambda, a custom initializer) has none: this throws, naming what is missing.
     */
    public Map<String, Object> getConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", name);
        addConfig(config);
        return config;
    }

    /**
     * Adds this kind of layer's arguments to its config, by Keras's names. A custom layer that
     * overrides it and registers a factory ({@link Layers#register}) saves and loads with its model.
     */
    protected void addConfig(Map<String, Object> config) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " " + name + " has no config (override"
                + " addConfig and register a factory with Layers.register)");
    }

    /** An initializer's config for this layer's config; one written as Java code has none, and neither has the layer. */
    protected Object initializerConfig(String weight, Initializer initializer) {
        Object config = initializer.config();
        if (config == null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " " + name + " has no config: its "
                    + weight + " initializer is Java code (use a built-in one, or Initializer.randomNormal/randomUniform)");
        }
        return config;
    }

    /** Creates the weights for {@code input} (batch dim first); returns the output shape. */
    public final Shape build(Shape input) {
        if (inputShape == null) {
            try {
                outputShape = create(input);
            } catch (RuntimeException e) {
                unbuild();
                throw e;
            }
            inputShape = input;
        } else if (!inputShape.equals(input)) {
            throw new IllegalArgumentException("layer " + name + " was built for input " + describe(inputShape)
                    + ", now called on " + describe(input));
        }
        return outputShape;
    }

    /**
     * Forgets the build: the weights and shapes go, and the next {@link #build} starts afresh. A
     * layer whose build failed is left this way; a model undoes the builds of a failed model build.
     */
    public void unbuild() {
        weights.clear();
        inputShape = null;
        outputShape = null;
    }

    /** Makes the weights for this input shape and says the output shape. */
    protected abstract Shape create(Shape input);

    /** The layer's computation; {@code context} says whether it is training and holds dropout noise. */
    public abstract Tensor call(Tensor x, CallContext context);

    public boolean isBuilt() {
        return inputShape != null;
    }

    /** The input shape the layer was built for (null before). */
    public Shape inputShape() {
        return inputShape;
    }

    /**
     * The functional API: the layer applied to a symbolic tensor (built for its shape on the first
     * application; a layer applied again shares its weights).
     */
    public KerasTensor apply(KerasTensor x) {
        return new KerasTensor(build(x.shape()), this, List.of(x));
    }

    /** Where {@link #apply(Tensor, CallContext)} notes the layers applied while a subclassed model's call runs. */
    private static final ThreadLocal<List<Layer>> APPLIED = new ThreadLocal<>();

    /**
     * The layer applied to a tensor from a subclassed model's call: built on the first application
     * for x's shape (its first dim the batch, of any size), then called.
     */
    public Tensor apply(Tensor x, CallContext context) {
        Shape shape = x.type().shape();
        List<Dim> dims = new ArrayList<>(shape.dims());
        dims.set(0, Dim.named(KerasTensor.BATCH));
        build(Shape.of(dims));
        List<Layer> applied = APPLIED.get();
        if (applied != null && !applied.contains(this)) {
            applied.add(this);
        }
        return call(x, context);
    }

    /** The layers {@link #apply(Tensor, CallContext)} applied while {@code body} ran, each once, in order. */
    public static List<Layer> appliedDuring(Runnable body) {
        List<Layer> outer = APPLIED.get();
        List<Layer> applied = new ArrayList<>();
        APPLIED.set(applied);
        try {
            body.run();
        } finally {
            APPLIED.set(outer);
        }
        return applied;
    }

    /** The layers inside this one (a functional graph's), for what a model must find in all of them (dropouts). */
    public List<Layer> sublayers() {
        return List.of();
    }

    public Shape outputShape() {
        return outputShape;
    }

    protected Variable addWeight(String weightName, int[] shape, Initializer init, long seed) {
        return addWeight(weightName, shape, init, seed, true);
    }

    /** A weight the optimizer updates ({@code trainable}) or only the layer itself (statistics, say). */
    protected Variable addWeight(String weightName, int[] shape, Initializer init, long seed, boolean trainable) {
        // Made eagerly: a layer first built inside a traced call still gets concrete initial values.
        return addWeight(weightName, io.jitflow.Jf.eagerly(() -> init.create(shape, seed)), trainable);
    }

    /** A weight that starts at a given value, named {@code layer/weightName}. */
    protected Variable addWeight(String weightName, Tensor initial, boolean trainable) {
        Variable v = new Variable(initial, name + "/" + weightName, trainable);
        weights.add(v);
        return v;
    }

    /** The weights in creation order (a wrapper's: its inner layers'). */
    public List<Variable> weights() {
        return List.copyOf(weights);
    }

    public List<Variable> trainableWeights() {
        return weights().stream().filter(Variable::trainable).toList();
    }

    /** Copies of the current weight values, in creation order. */
    public List<Tensor> getWeights() {
        return weights().stream().map(Variable::asTensor).toList();
    }

    public void setWeights(List<Tensor> values) {
        List<Variable> all = weights();
        if (values.size() != all.size()) {
            throw new IllegalArgumentException("layer " + name + " has " + all.size() + " weight(s), got "
                    + values.size());
        }
        for (int i = 0; i < values.size(); i++) {
            all.get(i).assign(values.get(i));
        }
    }

    public long countParams() {
        long n = 0;
        for (Variable v : weights()) {
            long size = 1;
            for (int d : v.shape()) {
                size *= d;
            }
            n += size;
        }
        return n;
    }

    /** A shape as Keras prints it: {@code (None, 784)}. */
    public static String describe(Shape shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.rank(); i++) {
            Dim d = shape.dim(i);
            sb.append(i > 0 ? ", " : "").append(d.isStatic() ? Integer.toString(d.size()) : "None");
        }
        return sb.append(shape.rank() == 1 ? ",)" : ")").toString();
    }

    /** The static sizes of a shape after its batch dim. */
    protected static int[] featureSizes(Shape shape) {
        return Shape.of(shape.dims().subList(1, shape.rank())).sizes();
    }
}
