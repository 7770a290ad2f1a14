package io.jitflow.passes;

import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loop-invariant code motion: work in a while's or scan's body that depends only on the loop's
 * captures (and constants) is computed once before the loop and passed in as a new capture. Only
 * work worth a buffer moves: an op with a loop structure of its own (matmul, reduction, gather,
 * convolution, control flow), with the invariant values it needs; elementwise and movement ops
 * alone stay, fused into the body's kernels as they are.
 */
public final class HoistLoopInvariants implements Pass {
    @Override
    public String name() {
        return "hoist-invariants";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        if (f.nodes().stream().noneMatch(HoistLoopInvariants::isLoop)) {
            return f;
        }
        Rewriter r = new Rewriter(f, context, "h");
        for (Node n : f.nodes()) {
            r.keep(isLoop(n) ? hoist(n, r) : n);
        }
        return r.finish();
    }

    private static boolean isLoop(Node n) {
        return n.op() == Op.WHILE || n.op() == Op.SCAN;
    }

    /** The loop with its body's invariant work emitted before it (through {@code r}) and captured instead. */
    private static Node hoist(Node loop, Rewriter r) {
        List<Function> regions = loop.regions();
        Function body = regions.get(regions.size() - 1);
        int firstCapture = loop.op() == Op.WHILE ? body.outputs().size()
                : (int) (loop.attributes().getInt("carried") + loop.attributes().getInt("scanned"));
        Set<Node> copied = invariantWork(body, firstCapture);
        if (copied.isEmpty()) {
            return loop;
        }
        // Constants are copied out but stay too: the body's kernels inline them (dce drops unused ones).
        Set<Node> moved = new HashSet<>();
        Set<Value> movedValues = new HashSet<>();
        copied.stream().filter(n -> n.op() != Op.CONSTANT).forEach(n -> {
            moved.add(n);
            movedValues.addAll(n.outputs());
        });
        // The copies before the loop: body values to the enclosing function's.
        Map<Value, Value> outside = new HashMap<>();
        for (int i = firstCapture; i < body.inputs().size(); i++) {
            outside.put(body.inputs().get(i), r.resolve(loop.inputs().get(i)));
        }
        for (Node n : body.nodes()) {
            if (copied.contains(n)) {
                List<Value> results = r.emitCopy(n, n.inputs().stream().map(outside::get).toList());
                for (int k = 0; k < results.size(); k++) {
                    outside.put(n.outputs().get(k), results.get(k));
                }
            }
        }
        // Each moved value the rest of the body still reads becomes a new capture.
        Set<Value> used = new LinkedHashSet<>();
        for (Node n : body.nodes()) {
            if (!moved.contains(n)) {
                n.inputs().stream().filter(movedValues::contains).forEach(used::add);
            }
        }
        body.outputs().stream().map(Function.Output::value).filter(movedValues::contains).forEach(used::add);
        Set<String> names = new HashSet<>();
        regions.forEach(region -> {
            region.inputs().forEach(v -> names.add(v.name()));
            region.nodes().forEach(n -> n.outputs().forEach(v -> names.add(v.name())));
        });
        Map<Value, Value> captured = new HashMap<>();
        List<Value> operands = new ArrayList<>(loop.inputs());
        for (Value v : used) {
            String name = "invariant" + captured.size();
            while (!names.add(name)) {
                name = "_" + name;
            }
            captured.put(v, new Value(name, v.type()));
            operands.add(outside.get(v));
        }
        List<Function> rewritten = new ArrayList<>();
        for (Function region : regions) {
            if (region != body) {
                rewritten.add(new Function(region.name(), withCaptures(region.inputs(), captured, used), region.nodes(),
                        region.outputs()));
                continue;
            }
            List<Node> kept = new ArrayList<>();
            for (Node n : body.nodes()) {
                if (!moved.contains(n)) {
                    kept.add(n.withInputs(n.inputs().stream().map(v -> captured.getOrDefault(v, v)).toList()));
                }
            }
            List<Function.Output> outputs = body.outputs().stream()
                    .map(o -> new Function.Output(o.name(), captured.getOrDefault(o.value(), o.value()))).toList();
            rewritten.add(new Function(body.name(), withCaptures(body.inputs(), captured, used), kept, outputs));
        }
        return new Node(loop.op(), operands, loop.attributes(), loop.outputs(), rewritten, loop.location());
    }

    /** A region's inputs followed by the new captures, in the order of the loop's new operands. */
    private static List<Value> withCaptures(List<Value> inputs, Map<Value, Value> captured, Set<Value> used) {
        List<Value> all = new ArrayList<>(inputs);
        used.forEach(v -> all.add(captured.get(v)));
        return all;
    }

    /**
     * The body's nodes computed before the loop: each invariant op worth a buffer of its own, and
     * the invariant nodes it reads, in body order.
     */
    private static Set<Node> invariantWork(Function body, int firstCapture) {
        Set<Value> invariant = new HashSet<>(body.inputs().subList(firstCapture, body.inputs().size()));
        Map<Value, Node> definitions = new HashMap<>();
        List<Node> roots = new ArrayList<>();
        for (Node n : body.nodes()) {
            n.outputs().forEach(v -> definitions.put(v, n));
            if (n.op().has(Op.Trait.STATEFUL) || n.op().has(Op.Trait.RANDOM) || !invariant.containsAll(n.inputs())) {
                continue;
            }
            invariant.addAll(n.outputs());
            if (!n.inputs().isEmpty() && !n.op().has(Op.Trait.ELEMENTWISE) && !n.op().has(Op.Trait.MOVEMENT)
                    && !n.op().has(Op.Trait.CREATION)) {
                roots.add(n);
            }
        }
        Set<Node> moved = new HashSet<>();
        List<Node> pending = new ArrayList<>(roots);
        while (!pending.isEmpty()) {
            Node n = pending.remove(pending.size() - 1);
            if (moved.add(n)) {
                n.inputs().stream().map(definitions::get).filter(d -> d != null).forEach(pending::add);
            }
        }
        Set<Node> ordered = new LinkedHashSet<>();
        body.nodes().stream().filter(moved::contains).forEach(ordered::add);
        return ordered;
    }
}
