package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.HashMap;
import java.util.Map;

/** The constant values of a function: which values are produced by {@code constant} nodes. */
final class Constants {
    private final Map<Value, HostTensor> values = new HashMap<>();

    void record(Node n) {
        if (n.op() == Op.CONSTANT) {
            values.put(n.output(), n.attributes().getTensor("value"));
        }
    }

    static Constants of(Function f) {
        Constants c = new Constants();
        f.nodes().forEach(c::record);
        return c;
    }

    HostTensor get(Value v) {
        return values.get(v);
    }

    boolean isConstant(Value v) {
        return values.containsKey(v);
    }

    /** True when {@code v} is a constant whose every element equals {@code x} (bitwise for floats, so -0.0 is not 0.0). */
    boolean isSplatOf(Value v, double x) {
        HostTensor t = values.get(v);
        if (t == null || t.size() == 0) {
            return false;
        }
        for (int i = 0; i < t.size(); i++) {
            double e = t.getDouble(i);
            boolean same = t.dtype().isFloating() ? Double.doubleToRawLongBits(e) == Double.doubleToRawLongBits(x) : e == x;
            if (!same) {
                return false;
            }
        }
        return true;
    }
}
