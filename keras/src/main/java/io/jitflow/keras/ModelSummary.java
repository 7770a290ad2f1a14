package io.jitflow.keras;

import io.jitflow.keras.layers.Layer;
import java.util.List;
import java.util.Locale;

/** Keras's summary table: each layer's name, type, output shape and parameter count, then the totals. */
final class ModelSummary {
    private ModelSummary() {
    }

    static String table(String modelName, List<Layer> layers) {
        String rule = "_".repeat(65);
        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(modelName).append("\"\n").append(rule).append('\n');
        sb.append(String.format(Locale.ROOT, " %-28s%-26s%-10s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append("=".repeat(65)).append('\n');
        long total = 0;
        long trainable = 0;
        for (Layer l : layers) {
            long params = l.countParams();
            total += params;
            trainable += l.trainableWeights().stream().mapToLong(v -> java.util.Arrays.stream(v.shape())
                    .asLongStream().reduce(1, (a, b) -> a * b)).sum();
            sb.append(String.format(Locale.ROOT, " %-28s%-26s%-10d%n", l.name() + " (" + l.getClass().getSimpleName() + ")",
                    Layer.describe(l.outputShape()), params));
        }
        sb.append("=".repeat(65)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        sb.append(rule).append('\n');
        return sb.toString();
    }
}
