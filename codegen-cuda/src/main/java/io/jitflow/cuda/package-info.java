/**
 * Kernel program to CUDA PTX text ({@link io.jitflow.cuda.PtxGenerator}); a first part of the backend, see the README.
 */
package io.jitflow.cuda;
