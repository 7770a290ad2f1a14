package io.jitflow.examples;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The runnable examples by name, for the command line and the demo. */
public final class Examples {
    private Examples() {
    }

    public static Map<String, Consumer<PrintStream>> all() {
        Map<String, Consumer<PrintStream>> examples = new LinkedHashMap<>();
        examples.put("linear-classifier", LinearClassifier::run);
        examples.put("tracing", Tracing::run);
        examples.put("keras", KerasExamples::run);
        examples.put("mnist", MnistClassifier::run);
        examples.put("cnn", MnistConvnet::run);
        examples.put("rnn", MnistRnn::run);
        // A lambda, not MnistOnSpark::run: linking a method reference loads the class, which needs Spark (provided
        // by the launcher's class path, not by Maven's); this way only running the example does.
        examples.put("spark", out -> io.jitflow.spark.MnistOnSpark.run(out));
        return examples;
    }
}
