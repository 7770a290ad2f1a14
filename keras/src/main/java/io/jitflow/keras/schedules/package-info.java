/**
 * Learning-rate schedules, as keras.optimizers.schedules: pass one to an optimizer's constructor
 * ({@code new Optimizer.Adam(new CosineDecay(1e-3, 1000, 0.1))}) and its rate follows the step count
 * inside the compiled training step.
 */
package io.jitflow.keras.schedules;
