package io.jitflow.keras;

import io.jitflow.Tensor;
import io.jitflow.keras.metrics.StatefulMetric;

/**
 * A metric as the steps use it: a per-batch value that fit averages over the examples, or the
 * running value of a stateful metric, which fit and evaluate reset and then just read.
 */
record StepMetric(String name, int output, java.util.function.BinaryOperator<Tensor> inStep,
        StatefulMetric state) {
    static StepMetric of(Object spec, String prefix, int output, Loss loss, int units) {
        if (spec instanceof StatefulMetric s) {
            return new StepMetric(prefix + s.name(), output, s::updateState, s);
        }
        Metric m = spec instanceof Metric given ? given : Metric.of((String) spec, loss, units);
        return new StepMetric(prefix + m.name(), output, m::compute, null);
    }

    boolean running() {
        return state != null;
    }
}
