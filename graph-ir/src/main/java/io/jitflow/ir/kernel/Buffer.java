package io.jitflow.ir.kernel;

import io.jitflow.ir.HostTensor;
import io.jitflow.ir.TensorType;

/**
 * A buffer of a kernel program: its id (its slot when the program runs), type (dims may be
 * symbolic, resolved from the inputs) and role. Constants carry their data; inputs, outputs and
 * variables carry the name they are bound by; a view shares the storage of {@code viewOf} under
 * another shape of the same element count: a reshape that costs no copy, or a temporary that buffer
 * planning placed in the storage of one whose last reader has run.
 */
public record Buffer(int id, TensorType type, Kind kind, String name, HostTensor constant, Buffer viewOf) {
    public enum Kind { INPUT, OUTPUT, TEMP, CONSTANT, VARIABLE_READ, VARIABLE_WRITE, VIEW }

    public Buffer(int id, TensorType type, Kind kind, String name, HostTensor constant) {
        this(id, type, kind, name, constant, null);
    }

    /** The buffer whose storage this one uses: itself, or the root of the view chain. */
    public Buffer storage() {
        return viewOf == null ? this : viewOf.storage();
    }

    @Override
    public String toString() {
        return "%b" + id;
    }
}
