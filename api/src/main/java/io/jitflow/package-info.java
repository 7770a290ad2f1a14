/**
 * The user API: tensors, variables, GradientTape, Jit.function and the Keras-style models. Not built yet: see
 * the README's status section.
 */
package io.jitflow;
