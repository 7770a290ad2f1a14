/**
 * Kernel program to JVM bytecode with ASM, loaded as hidden classes. Not built yet: see the README's status
 * section.
 */
package io.jitflow.cpu;
