package io.jitflow.keras;

import io.jitflow.ir.plot.GraphPicture;
import io.jitflow.keras.layers.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pictures of a model's layers, as keras.utils.plot_model draws them: one box per layer (its name,
 * type, input and output shapes) in a column joined by arrows.
 */
final class ModelPlot {
    private ModelPlot() {
    }

    static GraphPicture picture(String inputShape, List<Layer> layers) {
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
}
