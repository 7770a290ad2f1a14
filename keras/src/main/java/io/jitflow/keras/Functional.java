package io.jitflow.keras;

import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.KerasTensor;
import java.util.List;

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
}
