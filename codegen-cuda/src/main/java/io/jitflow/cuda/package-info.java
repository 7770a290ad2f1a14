/**
 * Kernel program to CUDA PTX text. Not built yet: see the README's status section.
 */
package io.jitflow.cuda;
