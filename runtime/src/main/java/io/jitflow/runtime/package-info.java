/**
 * Devices, buffers, executables, thread pools and the CUDA driver binding: everything a compiled graph needs
 * to run, and no compiler. Depends on graph-ir only. Not built yet: see the README's status section.
 */
package io.jitflow.runtime;
