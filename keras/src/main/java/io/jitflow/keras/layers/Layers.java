package io.jitflow.keras.layers;

import io.jitflow.keras.Initializer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Layers made from their configs, as Keras's layer deserialization: a factory per class name for
 * every built-in layer, and {@link #register} for custom ones. A layer is serialized as Keras does,
 * {@code {"class_name": "Dense", "config": {...}}}.
 */
public final class Layers {
    private static final Map<String, Function<LayerConfig, Layer>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Activation", c -> new Activation(c.string("activation")));
        register("AveragePooling1D", c -> new AveragePooling1D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("AveragePooling2D", c -> new AveragePooling2D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("AveragePooling3D", c -> new AveragePooling3D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("MaxPooling1D", c -> new MaxPooling1D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("MaxPooling2D", c -> new MaxPooling2D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("MaxPooling3D", c -> new MaxPooling3D(c.ints("pool_size"), c.ints("strides"), c.string("padding")));
        register("GlobalAveragePooling1D", c -> new GlobalAveragePooling1D());
        register("GlobalAveragePooling2D", c -> new GlobalAveragePooling2D());
        register("GlobalMaxPooling1D", c -> new GlobalMaxPooling1D());
        register("GlobalMaxPooling2D", c -> new GlobalMaxPooling2D());
        register("Conv1D", c -> new Conv1D(c.integer("filters"), c.ints("kernel_size"), c.ints("strides"), c.string("padding"),
                c.ints("dilation_rate"), c.string("activation")));
        register("Conv2D", c -> new Conv2D(c.integer("filters"), c.ints("kernel_size"), c.ints("strides"), c.string("padding"),
                c.ints("dilation_rate"), c.string("activation")));
        register("Conv3D", c -> new Conv3D(c.integer("filters"), c.ints("kernel_size"), c.ints("strides"), c.string("padding"),
                c.ints("dilation_rate"), c.string("activation")));
        register("Conv2DTranspose", c -> new Conv2DTranspose(c.integer("filters"), c.ints("kernel_size"), c.ints("strides"),
                c.string("padding"), c.string("activation")));
        register("DepthwiseConv2D", c -> new DepthwiseConv2D(c.ints("kernel_size"), c.ints("strides"), c.string("padding"),
                c.integer("depth_multiplier"), c.string("activation")));
        register("SeparableConv2D", c -> new SeparableConv2D(c.integer("filters"), c.ints("kernel_size"), c.ints("strides"),
                c.string("padding"), c.integer("depth_multiplier"), c.string("activation")));
        register("BatchNormalization", c -> new BatchNormalization().momentum(c.number("momentum"))
                .epsilon(c.number("epsilon")));
        register("LayerNormalization", c -> new LayerNormalization().epsilon(c.number("epsilon")));
        register("Bidirectional", c -> new Bidirectional((Recurrent) deserialize(map(c, "layer"))));
        register("Cropping2D", c -> new Cropping2D(c.intRows("cropping")));
        register("ZeroPadding2D", c -> new ZeroPadding2D(c.intRows("padding")));
        register("UpSampling2D", c -> new UpSampling2D(c.ints("size")[0], c.ints("size")[1])
                .interpolation(c.string("interpolation")));
        register("Dense", c -> new Dense(c.integer("units"), c.string("activation")).useBias(c.bool("use_bias"))
                .kernelInitializer(Initializer.fromConfig(c.value("kernel_initializer")))
                .biasInitializer(Initializer.fromConfig(c.value("bias_initializer"))));
        register("Dropout", c -> new Dropout(c.number("rate")));
        register("SpatialDropout2D", c -> new SpatialDropout2D(c.number("rate")));
        register("Embedding", c -> new Embedding(c.integer("input_dim"), c.integer("output_dim"))
                .embeddingsInitializer(Initializer.fromConfig(c.value("embeddings_initializer"))));
        register("Flatten", c -> new Flatten());
        register("SimpleRNN", c -> recurrent(new SimpleRNN(c.integer("units"), c.string("activation")), c));
        register("GRU", c -> recurrent(new GRU(c.integer("units")), c));
        register("LSTM", c -> recurrent(new LSTM(c.integer("units")), c));
        register("Merge", c -> Merge.of(c.string("mode"), c.integer("axis")));
        register("Permute", c -> new Permute(c.ints("dims")));
        register("Reshape", c -> new Reshape(c.ints("target_shape")));
    }

    private Layers() {
    }

    private static Recurrent recurrent(Recurrent layer, LayerConfig c) {
        return layer.returnSequences(c.bool("return_sequences")).goBackwards(c.bool("go_backwards"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(LayerConfig c, String key) {
        if (!(c.value(key) instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("config: '" + key + "' must be a layer, got " + c.value(key));
        }
        return (Map<String, Object>) m;
    }

    /** Makes {@code className} layers from their configs (a custom layer's, or a built-in's replaced). */
    public static void register(String className, Function<LayerConfig, Layer> factory) {
        FACTORIES.put(className, factory);
    }

    /** A layer of this class made from {@code config} (as {@link Layer#getConfig} gave it), with its name. */
    public static Layer fromConfig(String className, Map<String, Object> config) {
        Function<LayerConfig, Layer> factory = FACTORIES.get(className);
        if (factory == null) {
            throw new IllegalArgumentException("no layer class '" + className + "' is known (register a custom layer"
                    + " with Layers.register(\"" + className + "\", config -> ...))");
        }
        Layer layer = factory.apply(new LayerConfig(className, config));
        return config.get("name") instanceof String name ? layer.named(name) : layer;
    }

    /** {@code {"class_name": ..., "config": ...}}, as Keras serializes a layer. */
    public static Map<String, Object> serialize(Layer layer) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("class_name", layer.getClass().getSimpleName());
        out.put("config", layer.getConfig());
        return out;
    }

    /** The layer a {@link #serialize}d map describes. */
    @SuppressWarnings("unchecked")
    public static Layer deserialize(Map<String, Object> serialized) {
        if (!(serialized.get("class_name") instanceof String className)
                || !(serialized.get("config") instanceof Map<?, ?> config)) {
            throw new IllegalArgumentException("a serialized layer has a class_name and a config, got " + serialized);
        }
        return fromConfig(className, (Map<String, Object>) config);
    }
}
