package io.jitflow.keras.callbacks;

import java.util.Map;

/**
 * The logged value a callback watches and which way is better: "min" or "max", or "auto" (max for
 * accuracies and AUC, min otherwise, as Keras decides).
 */
final class Monitor {
    final String name;
    private final boolean higherIsBetter;
    private final double minDelta;

    Monitor(String callback, String name, String mode, double minDelta) {
        this.name = name;
        this.minDelta = Math.abs(minDelta);
        this.higherIsBetter = switch (mode) {
            case "min" -> false;
            case "max" -> true;
            case "auto" -> name.contains("acc") || name.contains("auc");
            default -> throw new IllegalArgumentException(callback + ": mode must be auto, min or max, got \"" + mode
                    + "\"");
        };
    }

    /** The monitored value in an epoch's logs; a clear error when fit does not log it. */
    double value(String callback, Map<String, Double> logs) {
        Double v = logs.get(name);
        if (v == null) {
            throw new IllegalStateException(callback + " monitors '" + name + "', which fit does not log (logs: "
                    + logs.keySet() + (name.startsWith("val_") ? "; give fit validation data" : "") + ")");
        }
        return v;
    }

    /** Whether {@code current} beats {@code best} by more than the minimum change. */
    boolean improves(double current, double best) {
        return higherIsBetter ? current > best + minDelta : current < best - minDelta;
    }

    /** The value every first result improves on. */
    double worst() {
        return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
}
