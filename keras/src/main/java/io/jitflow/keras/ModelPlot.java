package io.jitflow.keras;

import io.jitflow.ir.plot.GraphPicture;
import io.jitflow.keras.layers.FunctionalLayer;
import io.jitflow.keras.layers.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pictures of a model's layers, as keras.utils.plot_model draws them: one box per layer (its name,
 * type, input and output shapes) in a column joined by arrows; for a functional model, one box per
 * layer application with arrows along its branches and into its merges.
 */
final class ModelPlot {
    private ModelPlot() {
    }

    static GraphPicture picture(String inputShape, List<Layer> layers) {
        if (layers.size() == 1 && layers.get(0) instanceof FunctionalLayer graph) {
            return functional(graph);
        }
        List<GraphPicture.Box> boxes = new ArrayList<>();
        boxes.add(new GraphPicture.Box(List.of("input (InputLayer)", "output: " + inputShape)));
        String previous = inputShape;
        for (Layer l : layers) {
            String out = Layer.describe(l.outputShape());
            boxes.add(new GraphPicture.Box(List.of(l.name() + " (" + l.getClass().getSimpleName() + ")",
                    "input: " + previous + "  output: " + out)));
            previous = out;
        }
        return GraphPicture.chain(boxes);
    }

    /** A functional model's graph: a box per layer application, arrows from what each is applied to (branches, merges). */
    private static GraphPicture functional(FunctionalLayer graph) {
        List<GraphPicture.Box> boxes = new ArrayList<>();
        List<GraphPicture.Edge> edges = new ArrayList<>();
        java.util.Map<String, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < graph.inputNames().size(); i++) {
            index.put(graph.inputNames().get(i), boxes.size());
            boxes.add(new GraphPicture.Box(List.of(graph.inputNames().get(i) + " (InputLayer)",
                    "output: " + Layer.describe(graph.inputShapes().get(i)))));
        }
        for (FunctionalLayer.Application a : graph.applications()) {
            int at = boxes.size();
            boxes.add(new GraphPicture.Box(List.of(a.label() + " (" + a.layer().getClass().getSimpleName() + ")",
                    "output: " + Layer.describe(a.output()))));
            for (String from : a.from()) {
                edges.add(new GraphPicture.Edge(index.get(from), at));
            }
            index.put(a.label(), at);
        }
        return new GraphPicture(boxes, edges, List.of());
    }
}
