package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import java.util.ArrayList;
import java.util.List;

/**
 * If, Loop and Scan onto the op set's {@code cond}, {@code while} and {@code scan}. Each ONNX
 * subgraph becomes a region whose inputs are its formal inputs, then the values of enclosing scopes
 * it reads (its captures); constants of enclosing scopes are copied into it instead.
 */
final class ControlFlowImports {
    private static final TensorType INT64_SCALAR = new TensorType(DType.INT64, Shape.scalar());
    private static final TensorType BOOL_SCALAR = new TensorType(DType.BOOL, Shape.scalar());

    private ControlFlowImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.ops("If", ControlFlowImports::ifElse);
        r.ops("Scan", ControlFlowImports::scan);
        // The trip count decides the shape of scan outputs, so it must be known when the body has them.
        r.ops("Loop", ControlFlowImports::loop);
    }

    private static Operand scalarPredicate(ImportContext c, Operand p, String what) {
        if (p.type.dtype() != DType.BOOL || !p.shape().isStatic() || p.shape().elementCount() != 1) {
            throw c.error(what + " must be one bool, got " + p.type);
        }
        return p.rank() == 0 ? p : c.emit(Op.RESHAPE, attrs().put("shape", Shape.scalar()).build(), p);
    }

    private static List<Operand> ifElse(ImportContext c) {
        Operand pred = scalarPredicate(c, c.in(0), "the condition");
        GraphProto then = c.attrGraph("then_branch");
        GraphProto otherwise = c.attrGraph("else_branch");
        OnnxImporter scope = c.scope();
        if (c.in(0).isConstant()) {
            // Known at import time (a test on static shapes, as ONNX's function bodies make): only
            // the branch taken is imported, in line, so the two may give different shapes.
            return scope.importBody(c.in(0).constant.getBool(0) ? then : otherwise, List.of());
        }
        List<String> captures = scope.captures(List.of(then, otherwise));
        List<Function> regions = new ArrayList<>();
        for (GraphProto branch : List.of(then, otherwise)) {
            OnnxImporter region = scope.subgraph(branch == then ? "then" : "else");
            region.declareCaptures(captures);
            regions.add(region.finish(region.importBody(branch, List.of())));
        }
        List<Operand> operands = new ArrayList<>(List.of(pred));
        operands.addAll(scope.operands(captures));
        return c.emit(Op.COND, Attributes.empty(), operands, regions);
    }

    /**
     * Scan (opset 9 on): states and scan inputs, each scan input along its axis and in its direction,
     * each scan output stacked along its axis in its direction. Opset 8's Scan has a batch axis first
     * and optional sequence lengths: each batch entry is scanned on its own (the lengths must be absent).
     */
    private static List<Operand> scan(ImportContext c) {
        GraphProto body = c.attrGraph("body");
        int scanned = (int) c.attrInt("num_scan_inputs", -1);
        if (c.opset() < 9) {
            return batchedScan(c, body, scanned);
        }
        List<Operand> inputs = new ArrayList<>();
        for (int i = 0; i < c.inputCount(); i++) {
            inputs.add(c.in(i));
        }
        return scanAlongAxes(c, body, scanned, inputs, false);
    }

    private static List<Operand> scanAlongAxes(ImportContext c, GraphProto body, int scanned, List<Operand> inputs,
                                               boolean opset8) {
        int states = inputs.size() - scanned;
        if (scanned < 1 || states < 0) {
            throw c.error("num_scan_inputs is " + scanned + " for " + inputs.size() + " inputs");
        }
        int outputs = body.getOutputCount() - states;
        long[] inAxes = opset8 ? null : c.attrInts("scan_input_axes");
        long[] inDirections = c.attrInts(opset8 ? "directions" : "scan_input_directions");
        long[] outAxes = opset8 ? null : c.attrInts("scan_output_axes");
        long[] outDirections = opset8 ? null : c.attrInts("scan_output_directions");
        // One direction for every scan input and output is scan's reverse; mixed ones reverse each value itself.
        boolean reverse = uniform(inDirections, scanned, 1) && uniform(outDirections, outputs, 1);
        if (reverse) {
            inDirections = null;
            outDirections = null;
        }
        List<Operand> operands = new ArrayList<>(inputs.subList(0, states));
        List<TensorType> formal = new ArrayList<>();
        inputs.subList(0, states).forEach(s -> formal.add(s.type));
        for (int k = 0; k < scanned; k++) {
            Operand x = inputs.get(states + k);
            int axis = inAxes == null ? 0 : c.normalizeAxis(inAxes[k], x.rank());
            Operand leading = moveAxis(c, x, axis, 0);
            if (inDirections != null && inDirections[k] != 0) {
                leading = reversed(c, leading);
            }
            operands.add(leading);
            formal.add(leading.type.withShape(Shape.of(leading.shape().dims().subList(1, leading.rank()))));
        }
        OnnxImporter scope = c.scope();
        List<String> captures = scope.captures(List.of(body));
        OnnxImporter region = scope.subgraph("body");
        List<Operand> formals = new ArrayList<>();
        for (int i = 0; i < formal.size(); i++) {
            formals.add(region.input(body.getInput(i).getName(), formal.get(i)));
        }
        region.declareCaptures(captures);
        Function f = region.finish(region.importBody(body, formals));
        operands.addAll(scope.operands(captures));
        List<Operand> results = new ArrayList<>(c.emit(Op.SCAN, attrs().put("carried", states).put("scanned", scanned)
                .put("reverse", reverse).build(), operands, List.of(f)));
        for (int k = 0; k < outputs; k++) {
            Operand y = results.get(states + k);
            if (outDirections != null && outDirections[k] != 0) {
                y = reversed(c, y);
            }
            int axis = outAxes == null ? 0 : c.normalizeAxis(outAxes[k], y.rank());
            results.set(states + k, moveAxis(c, y, 0, axis));
        }
        return results;
    }

    /** Whether all {@code count} directions are {@code value} (an absent list is all forward). */
    private static boolean uniform(long[] directions, int count, long value) {
        for (int k = 0; k < count; k++) {
            if ((directions == null ? 0 : directions[k]) != value) {
                return false;
            }
        }
        return true;
    }

    /** Opset 8: inputs [sequence_lens], states [B, ...], scan inputs [B, T, ...]; each batch entry scanned alone. */
    private static List<Operand> batchedScan(ImportContext c, GraphProto body, int scanned) {
        if (c.has(0)) {
            throw c.error("sequence_lens is not supported: every sequence must have the full length");
        }
        List<Operand> inputs = new ArrayList<>();
        for (int i = 1; i < c.inputCount(); i++) {
            inputs.add(c.in(i));
        }
        int batch = c.staticDim(inputs.get(0), 0);
        List<List<Operand>> perEntry = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            List<Operand> entry = new ArrayList<>();
            for (Operand x : inputs) {
                entry.add(c.squeeze(c.sliceAxis(x, 0, b, b + 1, 1), 0));
            }
            perEntry.add(scanAlongAxes(c, body, scanned, entry, true));
        }
        List<Operand> results = new ArrayList<>();
        for (int j = 0; j < perEntry.get(0).size(); j++) {
            Operand[] parts = new Operand[batch];
            for (int b = 0; b < batch; b++) {
                parts[b] = c.expandDims(perEntry.get(b).get(j), 0);
            }
            results.add(batch == 1 ? parts[0] : c.emit(Op.CONCAT, attrs().put("axis", 0).build(), parts));
        }
        return results;
    }

    /**
     * Loop: {@code while} over (iteration, condition, loop-carried values) when the body has no scan
     * outputs; with scan outputs the trip count must be known and the body's condition must stay true
     * (it passes its condition input through, or is constant true), and the loop is a {@code scan}
     * of that length.
     */
    private static List<Operand> loop(ImportContext c) {
        GraphProto body = c.attrGraph("body");
        int carried = c.inputCount() - 2;
        int scanOutputs = body.getOutputCount() - 1 - carried;
        if (carried < 0 || scanOutputs < 0 || body.getInputCount() != carried + 2) {
            throw c.error("the body takes " + body.getInputCount() + " inputs and gives " + body.getOutputCount()
                    + " outputs for " + Math.max(0, carried) + " loop-carried values");
        }
        Operand tripCount = c.has(0) ? c.in(0) : null;
        Operand condition = c.has(1) ? scalarPredicate(c, c.in(1), "the condition") : null;
        List<Operand> initial = new ArrayList<>();
        for (int i = 2; i < c.inputCount(); i++) {
            initial.add(c.in(i));
        }
        return scanOutputs == 0 ? whileLoop(c, body, tripCount, condition, initial)
                : countedLoop(c, body, tripCount, condition, initial, scanOutputs);
    }

    private static List<Operand> whileLoop(ImportContext c, GraphProto body, Operand tripCount, Operand condition,
                                           List<Operand> initial) {
        OnnxImporter scope = c.scope();
        Operand limit = tripCount == null ? null : c.cast(c.emit(Op.RESHAPE, attrs().put("shape", Shape.scalar())
                .build(), tripCount), DType.INT64);
        List<String> captures = new ArrayList<>(scope.captures(List.of(body)));
        List<Operand> captured = new ArrayList<>(scope.operands(captures));
        boolean limitCaptured = limit != null && !limit.isConstant();
        if (limitCaptured) {
            captured.add(limit);
        }
        List<TensorType> state = new ArrayList<>(List.of(INT64_SCALAR, BOOL_SCALAR));
        initial.forEach(v -> state.add(v.type));

        OnnxImporter condRegion = scope.subgraph("cond");
        List<Operand> condInputs = declare(condRegion, state, captures, limitCaptured ? limit.type : null);
        Operand go = condInputs.get(1);
        if (limit != null) {
            Operand bound = limitCaptured ? condInputs.get(condInputs.size() - 1) : limit;
            Operand inRange = one(condRegion.emit(Op.LESS, Attributes.empty(), List.of(condInputs.get(0), bound)));
            go = one(condRegion.emit(Op.LOGICAL_AND, Attributes.empty(), List.of(go, inRange)));
        }
        Function condF = condRegion.finish(List.of(go));

        OnnxImporter bodyRegion = scope.subgraph("body");
        List<Operand> bodyInputs = declare(bodyRegion, state, captures, limitCaptured ? limit.type : null);
        List<Operand> out = bodyRegion.importBody(body, bodyInputs.subList(0, state.size()));
        List<Operand> next = new ArrayList<>();
        next.add(one(bodyRegion.emit(Op.ADD, Attributes.empty(), List.of(bodyInputs.get(0),
                new Operand(HostTensor.scalar(DType.INT64, 1))))));
        Operand keepGoing = out.get(0);
        next.add(keepGoing.rank() == 0 ? keepGoing : one(bodyRegion.emit(Op.RESHAPE, attrs().put("shape",
                Shape.scalar()).build(), List.of(keepGoing))));
        next.addAll(out.subList(1, out.size()));
        Function bodyF = bodyRegion.finish(next);

        List<Operand> operands = new ArrayList<>(List.of(new Operand(HostTensor.scalar(DType.INT64, 0)),
                condition != null ? condition : new Operand(HostTensor.scalar(DType.BOOL, 1))));
        operands.addAll(initial);
        operands.addAll(captured);
        long bound = limit != null && limit.isConstant() ? limit.constant.toLongArray()[0] : -1;
        List<Operand> results = c.emit(Op.WHILE, attrs().put("max_iterations", Math.max(bound, -1)).build(), operands,
                List.of(condF, bodyF));
        return results.subList(2, results.size());
    }

    /** Declares a region's carried inputs, its captures, and the captured trip count (when {@code limit} is not null). */
    private static List<Operand> declare(OnnxImporter region, List<TensorType> state, List<String> captures,
                                         TensorType limit) {
        List<Operand> inputs = new ArrayList<>();
        for (int i = 0; i < state.size(); i++) {
            inputs.add(region.input("state" + i, state.get(i)));
        }
        region.declareCaptures(captures);
        if (limit != null) {
            inputs.add(region.input("trip_count", limit));
        }
        return inputs;
    }

    private static List<Operand> countedLoop(ImportContext c, GraphProto body, Operand tripCount, Operand condition,
                                             List<Operand> initial, int scanOutputs) {
        if (tripCount == null || !tripCount.isConstant()) {
            throw c.error("a loop with scan outputs needs a trip count known at import time (their length)");
        }
        if (condition != null && !(condition.isConstant() && condition.constant.getBool(0))) {
            throw c.error("a loop with scan outputs must not stop early: its condition must be constant true");
        }
        if (!keepsGoing(body)) {
            throw c.error("a loop with scan outputs must not stop early: the body's condition output must pass its"
                    + " condition input through");
        }
        long trips = tripCount.constant.toLongArray()[0];
        OnnxImporter scope = c.scope();
        List<String> captures = scope.captures(List.of(body));
        OnnxImporter region = scope.subgraph("body");
        Operand iteration = region.input("iteration", INT64_SCALAR);
        List<Operand> bodyInputs = new ArrayList<>(List.of(iteration, new Operand(HostTensor.scalar(DType.BOOL, 1))));
        for (int i = 0; i < initial.size(); i++) {
            bodyInputs.add(region.input("carried" + i, initial.get(i).type));
        }
        region.declareCaptures(captures);
        List<Operand> out = region.importBody(body, bodyInputs);
        List<Operand> next = new ArrayList<>();
        next.add(one(region.emit(Op.ADD, Attributes.empty(), List.of(iteration,
                new Operand(HostTensor.scalar(DType.INT64, 1))))));
        next.addAll(out.subList(1, out.size()));
        Function f = region.finish(next);
        List<Operand> operands = new ArrayList<>(List.of(new Operand(HostTensor.scalar(DType.INT64, 0))));
        operands.addAll(initial);
        operands.addAll(scope.operands(captures));
        List<Operand> results = c.emit(Op.SCAN, attrs().put("carried", 1 + initial.size()).put("scanned", 0)
                .put("length", trips).build(), operands, List.of(f));
        return results.subList(1, results.size());
    }

    /** Whether a loop body's condition output is its condition input, passed through Identity nodes. */
    private static boolean keepsGoing(GraphProto body) {
        String name = body.getOutput(0).getName();
        String conditionIn = body.getInput(1).getName();
        while (!name.equals(conditionIn)) {
            String current = name;
            NodeProto producer = body.getNodeList().stream().filter(n -> n.getOutputList().contains(current))
                    .findFirst().orElse(null);
            if (producer == null || !producer.getOpType().equals("Identity")) {
                return false;
            }
            name = producer.getInput(0);
        }
        return true;
    }

    private static Operand one(List<Operand> results) {
        return results.get(0);
    }

    /** x with axis {@code from} moved to position {@code to}, the others in order. */
    static Operand moveAxis(ImportContext c, Operand x, int from, int to) {
        if (from == to) {
            return x;
        }
        List<Long> order = new ArrayList<>();
        for (long i = 0; i < x.rank(); i++) {
            if (i != from) {
                order.add(i);
            }
        }
        order.add(to, (long) from);
        return c.transpose(x, order.stream().mapToLong(Long::longValue).toArray());
    }

    /** x reversed along its leading axis. */
    static Operand reversed(ImportContext c, Operand x) {
        int n = c.staticDim(x, 0);
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = n - 1 - i;
        }
        return c.emit(Op.GATHER, attrs().put("axis", 0).build(), x, c.constant(HostTensor.of(index, n)));
    }
}
