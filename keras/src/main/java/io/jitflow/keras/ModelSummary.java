package io.jitflow.keras;

import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.Layer;
import java.util.List;
import java.util.Locale;

/** Keras's summary table: each layer's name, type, output shape and parameter count, then the totals. */
final class ModelSummary {
    private ModelSummary() {
    }

    static String table(String modelName, List<Layer> layers) {
        if (layers.size() == 1 && layers.get(0) instanceof FunctionalLayer graph) {
            return functionalTable(modelName, graph);
        }
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
            trainable += elements(l.trainableWeights());
            sb.append(String.format(Locale.ROOT, " %-28s%-26s%-10d%n", l.name() + " (" + l.getClass().getSimpleName() + ")",
                    Layer.describe(l.outputShape()), params));
        }
        return footer(sb, 65, total, trainable);
    }

    /** A functional model's table, as Keras prints it: a row per layer application, with a "Connected to" column. */
    private static String functionalTable(String modelName, FunctionalLayer graph) {
        String rule = "_".repeat(100);
        String row = " %-30s%-20s%-10s%s%n";
        StringBuilder sb = new StringBuilder();
        sb.append("Model: \"").append(modelName).append("\"\n").append(rule).append('\n');
        sb.append(String.format(Locale.ROOT, row, "Layer (type)", "Output Shape", "Param #", "Connected to"));
        sb.append("=".repeat(100)).append('\n');
        for (int i = 0; i < graph.inputNames().size(); i++) {
            sb.append(String.format(Locale.ROOT, row, graph.inputNames().get(i) + " (InputLayer)",
                    Layer.describe(graph.inputShapes().get(i)), 0, "-"));
        }
        java.util.Set<Layer> counted = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (FunctionalLayer.Application a : graph.applications()) {
            // A shared layer's parameters count at its first application only.
            long params = counted.add(a.layer()) ? a.layer().countParams() : 0;
            sb.append(String.format(Locale.ROOT, row, a.layer().name() + " (" + a.layer().getClass().getSimpleName() + ")",
                    Layer.describe(a.output()), params, String.join(", ", a.from())));
        }
        return footer(sb, 100, graph.countParams(), elements(graph.trainableWeights()));
    }

    private static long elements(List<io.jitflow.Variable> weights) {
        return weights.stream().mapToLong(v -> java.util.Arrays.stream(v.shape()).asLongStream().reduce(1, (a, b) -> a * b))
                .sum();
    }

    /** The totals under a table of {@code width} characters. */
    private static String footer(StringBuilder sb, int width, long total, long trainable) {
        sb.append("=".repeat(width)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", trainable));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: %,d%n", total - trainable));
        sb.append("_".repeat(width)).append('\n');
        return sb.toString();
    }
}
