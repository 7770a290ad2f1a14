package io.jitflow.keras;

import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.KerasTensor;

/**
 * Keras's functional API, for one input and one output so far: layers applied to symbolic tensors
 * ({@link KerasTensor#input}, {@code layer.apply(x)}, merge layers), then {@link #model} makes a model
 * of the graph between the input and the output, with branches, shared layers and merges. The
 * model trains, evaluates, predicts and saves as any {@link Model}: its one layer is a
 * {@link FunctionalLayer}.
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
        int[] features = input.shape().dims().subList(1, input.shape().rank()).stream().mapToInt(d -> d.size()).toArray();
        Model model = new Model("functional");
        model.addLayer(new Input(features));
        model.addLayer(new FunctionalLayer(input, output));
        return model;
    }
}
