/**
 * Keras's metric objects: stateful metrics that accumulate over an epoch's batches
 * ({@link io.jitflow.keras.metrics.StatefulMetric}), passed to {@code compile} beside metric names,
 * or used on their own with {@code updateState}, {@code result} and {@code resetState}.
 */
package io.jitflow.keras.metrics;
