package io.jitflow.cli;

import io.jitflow.ir.Function;
import java.util.stream.Collectors;

/** Function signatures as the CLI prints them: {@code name(x: float32[batch, 3]) -> (y: float32[batch, 2])}. */
final class Signatures {
    private Signatures() {
    }

    static String describe(Function f) {
        String inputs = f.inputs().stream().map(v -> v.name() + ": " + v.type()).collect(Collectors.joining(", "));
        String outputs = f.outputs().stream().map(o -> o.name() + ": " + o.value().type()).collect(Collectors.joining(", "));
        return f.name() + "(" + inputs + ") -> (" + outputs + ")";
    }
}
