package io.jitflow;

import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Words for why a function was traced again, and what to declare so that it is not. */
final class RetraceReason {
    private RetraceReason() {
    }

    /** The first difference between two signatures: argument count, dtype, rank or one dim. */
    static String explain(List<TensorType> previous, List<TensorType> current) {
        if (previous.size() != current.size()) {
            return "the number of arguments changed from " + previous.size() + " to " + current.size();
        }
        for (int i = 0; i < current.size(); i++) {
            TensorType a = previous.get(i);
            TensorType b = current.get(i);
            if (a.dtype() != b.dtype()) {
                return "argument " + i + " changed dtype from " + a.dtype() + " to " + b.dtype();
            }
            if (a.rank() != b.rank()) {
                return "argument " + i + " changed rank from " + a.rank() + " (" + a + ") to " + b.rank() + " (" + b + ")";
            }
            for (int d = 0; d < a.rank(); d++) {
                if (!a.shape().dim(d).equals(b.shape().dim(d))) {
                    return "argument " + i + " changed dim " + d + " from " + a.shape().dim(d) + " to " + b.shape().dim(d);
                }
            }
        }
        return "the signature changed";
    }

    /** Names the argument dim that kept changing and the TensorSpec that would trace once. */
    static String suggestion(List<List<TensorType>> history, List<TensorType> current) {
        List<List<TensorType>> all = new ArrayList<>(history);
        all.add(current);
        for (int i = 0; i < current.size(); i++) {
            TensorType t = current.get(i);
            for (int d = 0; d < t.rank(); d++) {
                final int arg = i;
                final int dim = d;
                long distinct = all.stream().filter(s -> s.size() > arg && s.get(arg).rank() == t.rank())
                        .map(s -> s.get(arg).shape().dim(dim)).distinct().count();
                if (distinct > 1) {
                    String dims = java.util.stream.IntStream.range(0, t.rank())
                            .mapToObj(k -> k == dim ? "null" : t.shape().dim(k).toString()).collect(Collectors.joining(", "));
                    return "Argument " + arg + " takes " + distinct + " sizes in dim " + dim
                            + "; declare it unknown to trace once: TensorSpec.of(" + t.dtype().name() + ", " + dims + ")";
                }
            }
        }
        return "Declare the arguments' signature with TensorSpec to trace once.";
    }
}
