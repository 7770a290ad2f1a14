package io.jitflow.keras;

import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What a model's summary says about one layer, for the layer tests. */
final class Summaries {
    private Summaries() {
    }

    /** A layer's output shape and parameter count as its summary line gives them, e.g. {@code (None, 64) 23808}. */
    static String summaryLine(Layer layer, int... input) {
        Sequential model = new Sequential(new Input(input), layer);
        String text = model.summary(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return text.lines().map(String::strip).filter(l -> l.startsWith(layer.name() + " ")).findFirst()
                .orElseThrow(() -> new AssertionError(text)).substring(layer.name().length())
                .replaceAll("\\(\\w+\\)", "").strip().replaceAll(" +", " ");
    }
}
