package io.jitflow.ir.kernel;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.TensorType;

/**
 * A buffer of a kernel program: its id (its slot when the program runs), type (dims may be
 * symbolic, resolved from the inputs) and role. Constants carry their data; inputs, outputs and
 * variables carry the name they are bound by.
 */
public record Buffer(int id, TensorType type, Kind kind, String name, HostTensor constant) {
    public enum Kind { INPUT, OUTPUT, TEMP, CONSTANT, VARIABLE_READ, VARIABLE_WRITE }

    @Override
    public String toString() {
        return "%b" + id;
    }
}
