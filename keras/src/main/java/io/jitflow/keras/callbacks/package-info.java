/**
 * Keras's built-in callbacks: {@link io.jitflow.keras.callbacks.EarlyStopping},
 * {@link io.jitflow.keras.callbacks.ModelCheckpoint}, {@link io.jitflow.keras.callbacks.LearningRateScheduler},
 * {@link io.jitflow.keras.callbacks.ReduceLROnPlateau}, {@link io.jitflow.keras.callbacks.CsvLogger} and
 * {@link io.jitflow.keras.callbacks.TerminateOnNaN}; pass them to fit with
 * {@code FitOptions.callbacks(...)}.
 */
package io.jitflow.keras.callbacks;
