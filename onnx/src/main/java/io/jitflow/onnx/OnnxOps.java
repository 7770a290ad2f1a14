package io.jitflow.onnx;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The ONNX ops Jitflow imports, each with its lowering onto the op set and the inputs it needs as
 * values at import time. A lowering reads the node's opset to pick the op version's semantics.
 */
final class OnnxOps {
    /** Lowers one node; returns one operand per ONNX output ({@code null} for an unsupported optional one). */
    interface Lowering {
        List<Operand> lower(ImportContext c);
    }

    private record Entry(int[] staticInputs, Lowering lowering) {
    }

    /** Where the families register their ops. */
    static final class Registry {
        private final Map<String, Entry> entries = new TreeMap<>();

        void op(String type, Function<ImportContext, Operand> lowering, int... staticInputs) {
            ops(type, c -> List.of(lowering.apply(c)), staticInputs);
        }

        void ops(String type, Lowering lowering, int... staticInputs) {
            if (entries.put(type, new Entry(staticInputs, lowering)) != null) {
                throw new IllegalStateException("ONNX op " + type + " is registered twice");
            }
        }
    }

    private static final Map<String, Entry> OPS = registry();

    private OnnxOps() {
    }

    private static Map<String, Entry> registry() {
        Registry r = new Registry();
        ElementwiseImports.register(r);
        TensorImports.register(r);
        IndexingImports.register(r);
        NetworkImports.register(r);
        ResizeImport.register(r);
        ControlFlowImports.register(r);
        RecurrentImports.register(r);
        LossImports.register(r);
        AttentionImport.register(r);
        GridSampleImport.register(r);
        FourierImports.register(r);
        QuantizeImports.register(r);
        return Collections.unmodifiableMap(r.entries);
    }

    static boolean supports(String opType) {
        return OPS.containsKey(opType);
    }

    /** The ONNX op types that import, sorted. */
    static List<String> supported() {
        return List.copyOf(OPS.keySet());
    }

    static int[] staticInputs(String opType) {
        Entry e = OPS.get(opType);
        return e == null ? new int[0] : e.staticInputs;
    }

    static List<Operand> lower(ImportContext c) {
        return OPS.get(c.opType()).lowering.lower(c);
    }
}
