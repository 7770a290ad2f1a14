package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import io.jitflow.ir.ops.Movement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Algebraic simplification that keeps IEEE semantics: each rule is exact for every input,
 * NaN, infinities and signed zeros included. So {@code x + (-0.0)} and {@code x - 0.0} go, but
 * {@code x + 0.0} stays for floats (it turns -0.0 into 0.0), and {@code x * 0} is never 0 (NaN
 * and infinity times 0 are NaN); x / 2 becomes x * 0.5 (the same rounding of the same value), x / 3
 * stays. Each rule has a name and the root ops it applies to; they run to a fixed point.
 */
public final class Simplify implements Pass {
    /** One rewrite of a node: the value that replaces its result, or null if it does not apply. */
    @FunctionalInterface
    interface Rewrite {
        Value apply(Node n, List<Value> in, Facts facts, Rewriter r);
    }

    /** A named rewrite, tried only on nodes of its root ops. */
    record Rule(String name, Set<Op> roots, Rewrite rewrite) {
        Rule {
            roots = Set.copyOf(roots);
        }
    }

    /** What rules may ask about values: constants and defining nodes. */
    record Facts(Constants constants, Map<Value, Node> definitions) {
        Node definition(Value v) {
            return definitions.get(v);
        }
    }

    private static final int MAX_ROUNDS = 10;
    private static final Set<Op> ELEMENTWISE = java.util.Arrays.stream(Op.values())
            .filter(op -> op.has(Op.Trait.ELEMENTWISE)).collect(java.util.stream.Collectors.toSet());

    private static final List<Rule> RULES = List.of(
            new Rule("add-zero", Set.of(Op.ADD), (n, in, f, r) -> isAdditiveIdentity(in.get(1), n, f) ? same(n, in.get(0)) : null),
            new Rule("sub-zero", Set.of(Op.SUB), (n, in, f, r) -> f.constants().isSplatOf(in.get(1), 0.0) ? same(n, in.get(0)) : null),
            new Rule("mul-one", Set.of(Op.MUL, Op.DIV), (n, in, f, r) -> f.constants().isSplatOf(in.get(1), 1) ? same(n, in.get(0)) : null),
            new Rule("div-power-of-two", Set.of(Op.DIV), Simplify::divideByPowerOfTwo),
            new Rule("neg-neg", Set.of(Op.NEG), (n, in, f, r) -> producedBy(in.get(0), Op.NEG, f)
                    ? f.definition(in.get(0)).inputs().get(0) : null),
            new Rule("identity-cast", Set.of(Op.CAST), (n, in, f, r) -> same(n, in.get(0))),
            new Rule("identity-reshape", Set.of(Op.RESHAPE, Op.BROADCAST_TO, Op.EXPAND_DIMS, Op.SQUEEZE),
                    (n, in, f, r) -> same(n, in.get(0))),
            new Rule("reshape-reshape", Set.of(Op.RESHAPE), (n, in, f, r) -> producedBy(in.get(0), Op.RESHAPE, f)
                    ? r.emit(Op.RESHAPE, Attributes.builder().put("shape", n.output().type().shape()).build(),
                            List.of(f.definition(in.get(0)).inputs().get(0)), n.location()) : null),
            new Rule("transpose-transpose", Set.of(Op.TRANSPOSE), Simplify::transposeTranspose),
            new Rule("identity-transpose", Set.of(Op.TRANSPOSE), (n, in, f, r) -> isIdentity(perm(n)) ? in.get(0) : null),
            new Rule("broadcast-scalar", ELEMENTWISE, Simplify::broadcastScalar),
            new Rule("sink-transpose", ELEMENTWISE, Simplify::sinkTranspose));

    private final Map<Op, List<Rule>> byRoot = new java.util.EnumMap<>(Op.class);

    public Simplify() {
        this(RULES);
    }

    /** A simplifier with its own rules (tests give it rules that never reach a fixed point). */
    Simplify(List<Rule> rules) {
        for (Rule rule : rules) {
            rule.roots().forEach(op -> byRoot.computeIfAbsent(op, k -> new ArrayList<>()).add(rule));
        }
    }

    @Override
    public String name() {
        return "simplify";
    }

    /**
     * The rules to a fixed point, dead code removed after each round. A rule set that still
     * rewrites after {@value #MAX_ROUNDS} rounds is an error naming the rules of the last round.
     */
    @Override
    public Function run(Function f, InferenceContext context) {
        Function current = f;
        Set<String> fired = new java.util.TreeSet<>();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            fired.clear();
            Function next = once(current, context, fired);
            if (next == current) {
                return current;
            }
            current = new DeadCode().run(next, context);
        }
        throw new IllegalStateException("simplify reaches no fixed point in @" + f.name() + ": after " + MAX_ROUNDS
                + " rounds rule(s) " + String.join(", ", fired) + " still rewrite");
    }

    private Function once(Function f, InferenceContext context, Set<String> fired) {
        Rewriter r = new Rewriter(f, context, "s");
        Map<Value, Node> definitions = new HashMap<>();
        Constants constants = new Constants();
        Facts facts = new Facts(constants, definitions);
        for (Node n : f.nodes()) {
            List<Value> in = n.inputs().stream().map(r::resolve).toList();
            Node resolved = n.withInputs(in);
            Value replacement = null;
            for (Rule rule : byRoot.getOrDefault(n.op(), List.of())) {
                replacement = rule.rewrite().apply(resolved, in, facts, r);
                if (replacement != null) {
                    fired.add(rule.name());
                    break;
                }
            }
            if (replacement != null) {
                r.replace(n.output(), replacement);
                continue;
            }
            r.keep(n);
            constants.record(resolved);
            resolved.outputs().forEach(v -> definitions.put(v, resolved));
        }
        return r.finish();
    }

    /** {@code x} when the node's result has x's type (so dropping the node changes nothing), else null. */
    private static Value same(Node n, Value x) {
        return n.output().type().equals(x.type()) ? x : null;
    }

    /** 0 for integers, -0.0 for floats: the value x + c == x holds for every x. */
    private static boolean isAdditiveIdentity(Value c, Node n, Facts f) {
        return n.output().type().dtype().isFloating() ? f.constants().isSplatOf(c, -0.0) : f.constants().isSplatOf(c, 0);
    }

    private static boolean producedBy(Value v, Op op, Facts f) {
        Node d = f.definition(v);
        return d != null && d.op() == op;
    }

    private static int[] perm(Node transpose) {
        long[] p = transpose.attributes().has("perm") ? transpose.attributes().getInts("perm") : null;
        return Movement.permutation(p, transpose.inputs().get(0).type().rank());
    }

    private static boolean isIdentity(int[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }

    private static Value transposeTranspose(Node n, List<Value> in, Facts f, Rewriter r) {
        if (!producedBy(in.get(0), Op.TRANSPOSE, f)) {
            return null;
        }
        Node inner = f.definition(in.get(0));
        int[] outer = perm(n);
        int[] first = perm(inner);
        long[] combined = new long[outer.length];
        for (int i = 0; i < outer.length; i++) {
            combined[i] = first[outer[i]];
        }
        Value source = inner.inputs().get(0);
        if (isIdentity(java.util.Arrays.stream(combined).mapToInt(l -> (int) l).toArray())) {
            return source;
        }
        return r.emit(Op.TRANSPOSE, Attributes.builder().putInts("perm", combined).build(), List.of(source), n.location());
    }

    /**
     * An elementwise op whose operands are all transposes by one permutation (or scalars) is that
     * transpose of the op on the untransposed operands: the transpose moves towards the next one,
     * with which transpose-transpose cancels it (a layout change around each convolution of an
     * imported channels-first model leaves transpose, relu, transpose between them).
     */
    private static Value sinkTranspose(Node n, List<Value> in, Facts f, Rewriter r) {
        int[] perm = null;
        List<Value> sources = new ArrayList<>();
        for (Value v : in) {
            if (v.type().rank() == 0) {
                sources.add(v);
                continue;
            }
            if (!producedBy(v, Op.TRANSPOSE, f) || !v.type().shape().equals(n.output().type().shape())) {
                return null;
            }
            Node t = f.definition(v);
            if (perm != null && !java.util.Arrays.equals(perm, perm(t))) {
                return null;
            }
            perm = perm(t);
            sources.add(t.inputs().get(0));
        }
        if (perm == null) {
            return null;
        }
        Value inner = r.emit(n.op(), n.attributes(), sources, n.location());
        return r.emit(Op.TRANSPOSE, Attributes.builder().putInts("perm", java.util.Arrays.stream(perm).asLongStream()
                .toArray()).build(), List.of(inner), n.location());
    }

    /** An elementwise op reading broadcast_to(s) reads s directly when that leaves its result type unchanged. */
    private static Value broadcastScalar(Node n, List<Value> in, Facts f, Rewriter r) {
        if (in.size() < 2) {
            return null;
        }
        for (int i = 0; i < in.size(); i++) {
            Node d = f.definition(in.get(i));
            if (d != null && d.op() == Op.BROADCAST_TO) {
                Value source = d.inputs().get(0);
                List<Value> rewired = new java.util.ArrayList<>(in);
                rewired.set(i, source);
                io.jitflow.ir.Shape result = io.jitflow.ir.ops.Broadcasting.broadcast(
                        rewired.get(0).type().shape(), rewired.get(1).type().shape());
                for (int k = 2; k < rewired.size() && result != null; k++) {
                    result = io.jitflow.ir.ops.Broadcasting.broadcast(result, rewired.get(k).type().shape());
                }
                if (n.output().type().shape().equals(result)) {
                    return r.emit(n.op(), n.attributes(), rewired, n.location());
                }
            }
        }
        return null;
    }

    /**
     * x / c becomes x * (1 / c) when c is a scalar power of two whose reciprocal is a normal number
     * of the dtype: both are then the correctly rounded value of the same real number, for every x
     * (a multiplication costs a fraction of a division).
     */
    private static Value divideByPowerOfTwo(Node n, List<Value> in, Facts f, Rewriter r) {
        // A float division only: integers divide as floats (true division), so x / 1 of an int32 x is a float64.
        if (!in.get(0).type().dtype().isFloating() || in.get(1).type().rank() != 0) {
            return null;
        }
        io.jitflow.ir.DType dtype = n.output().type().dtype();
        io.jitflow.ir.HostTensor c = f.constants().get(in.get(1));
        if (c == null) {
            return null;
        }
        double divisor = c.getDouble(0);
        int exponent = Math.getExponent(divisor);
        int maxExponent = switch (dtype) {
            case FLOAT16 -> 14;
            case FLOAT32 -> 126;
            default -> 1022;
        };
        boolean powerOfTwo = divisor != 0 && !Double.isInfinite(divisor) && !Double.isNaN(divisor)
                && divisor == Math.scalb(Math.signum(divisor), exponent);
        if (!powerOfTwo || Math.abs(exponent) > maxExponent) {
            return null;
        }
        Value reciprocal = r.emit(Op.CONSTANT, Attributes.builder()
                .put("value", io.jitflow.ir.HostTensor.scalar(dtype, 1 / divisor)).build(), List.of(), n.location());
        return r.emit(Op.MUL, n.attributes(), List.of(in.get(0), reciprocal), n.location());
    }

    /** The names of the rules, in the order they are tried. */
    public static List<String> ruleNames() {
        return RULES.stream().map(Rule::name).toList();
    }
}
