package io.jitflow.ir.kernel;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import java.util.List;

/**
 * The kernel expression language: a scalar expression evaluated at each point of a kernel's
 * iteration space. Values have a dtype; integer-valued index expressions are int32. Loads name a
 * buffer and one index expression per buffer dim, so broadcasts, transposes, slices, padding,
 * concatenation and gathers are all just loads at computed positions.
 */
public sealed interface Expr {
    DType dtype();

    /** A constant; floats keep their value in {@code value}, integers and bool in {@code bits}. */
    record Const(DType dtype, double value, long bits) implements Expr {
        public static Const of(DType dtype, double v) {
            return new Const(dtype, dtype.isFloating() ? v : 0, dtype.isFloating() ? 0 : (long) v);
        }

        public static Const index(long v) {
            return new Const(DType.INT32, 0, v);
        }
    }

    /** The coordinate of the iteration space along {@code axis} (int32). */
    record Coord(int axis) implements Expr {
        public DType dtype() {
            return DType.INT32;
        }
    }

    /** The size of a dim, known when the kernel runs (int32). */
    record Size(Dim dim) implements Expr {
        public DType dtype() {
            return DType.INT32;
        }
    }

    /** The element of {@code buffer} at the given position (one int32 expression per buffer dim). */
    record Load(Buffer buffer, List<Expr> index) implements Expr {
        public Load {
            index = List.copyOf(index);
        }

        public DType dtype() {
            return buffer.type().dtype();
        }
    }

    record Unary(ScalarOp op, Expr x, DType dtype) implements Expr {
    }

    record Binary(ScalarOp op, Expr a, Expr b, DType dtype) implements Expr {
    }

    /** {@code cond ? a : b}, evaluating only the side it takes (so a guarded load never reads out of bounds). */
    record Select(Expr cond, Expr a, Expr b) implements Expr {
        public DType dtype() {
            return a.dtype();
        }
    }

    /** Conversion with {@code cast}'s semantics. */
    record Cast(Expr x, DType dtype) implements Expr {
    }

    /**
     * Philox4x32-10 sample for element {@code counter} (int64) with the given seed: a uniform in
     * [p1, p2) or a normal with mean p1 and standard deviation p2, as the random ops define.
     */
    record Random(Expr counter, long seed, boolean normal, double p1, double p2, DType dtype) implements Expr {
    }

    /** {@code value}, after checking that {@code cond} holds; otherwise the run fails with {@code message}. */
    record Check(Expr cond, String message, Expr value) implements Expr {
        public DType dtype() {
            return value.dtype();
        }
    }

    /** In a reduction's or matmul's epilogue: the accumulated value. */
    record Acc(DType dtype) implements Expr {
    }

    /** The direct subexpressions of {@code e}. */
    static List<Expr> children(Expr e) {
        if (e instanceof Load l) {
            return l.index();
        } else if (e instanceof Unary u) {
            return List.of(u.x());
        } else if (e instanceof Binary b) {
            return List.of(b.a(), b.b());
        } else if (e instanceof Select s) {
            return List.of(s.cond(), s.a(), s.b());
        } else if (e instanceof Cast c) {
            return List.of(c.x());
        } else if (e instanceof Random r) {
            return List.of(r.counter());
        } else if (e instanceof Check c) {
            return List.of(c.cond(), c.value());
        }
        return List.of();
    }

    /** {@code e} (which may be null) with every load's buffer replaced by {@code replace}'s answer for it. */
    static Expr withBuffers(Expr e, java.util.function.UnaryOperator<Buffer> replace) {
        return replaceLeaves(e, leaf -> leaf instanceof Load l ? new Load(replace.apply(l.buffer()), l.index()) : leaf);
    }

    /** {@code e} (which may be null) with the accumulator replaced by {@code value}. */
    static Expr withAccumulator(Expr e, Expr value) {
        return replaceLeaves(e, leaf -> leaf instanceof Acc ? value : leaf);
    }

    /**
     * {@code e} rebuilt with each leaf (and each load, after its index) replaced by {@code replace}'s
     * answer for it.
     */
    static Expr replaceLeaves(Expr e, java.util.function.UnaryOperator<Expr> replace) {
        if (e instanceof Load l) {
            return replace.apply(new Load(l.buffer(), l.index().stream().map(i -> replaceLeaves(i, replace)).toList()));
        } else if (e instanceof Unary u) {
            return new Unary(u.op(), replaceLeaves(u.x(), replace), u.dtype());
        } else if (e instanceof Binary b) {
            return new Binary(b.op(), replaceLeaves(b.a(), replace), replaceLeaves(b.b(), replace), b.dtype());
        } else if (e instanceof Select s) {
            return new Select(replaceLeaves(s.cond(), replace), replaceLeaves(s.a(), replace), replaceLeaves(s.b(), replace));
        } else if (e instanceof Cast c) {
            return new Cast(replaceLeaves(c.x(), replace), c.dtype());
        } else if (e instanceof Random r) {
            return new Random(replaceLeaves(r.counter(), replace), r.seed(), r.normal(), r.p1(), r.p2(), r.dtype());
        } else if (e instanceof Check c) {
            return new Check(replaceLeaves(c.cond(), replace), c.message(), replaceLeaves(c.value(), replace));
        }
        return e == null ? null : replace.apply(e);
    }

    /** The number of nodes in the tree of {@code e} (a subexpression used twice counts twice). */
    static int size(Expr e) {
        int[] count = {0};
        forEachNode(e, node -> count[0]++);
        return count[0];
    }

    /** Visits every node of the tree of {@code e}, without recursion (so without a limit on its depth). */
    static void forEachNode(Expr e, java.util.function.Consumer<Expr> visit) {
        java.util.ArrayDeque<Expr> pending = new java.util.ArrayDeque<>(List.of(e));
        while (!pending.isEmpty()) {
            Expr node = pending.pop();
            visit.accept(node);
            children(node).forEach(pending::push);
        }
    }

    /** Visits {@code e} and every subexpression of it, each parent before its children. */
    static void walk(Expr e, java.util.function.Consumer<Expr> visit) {
        visit.accept(e);
        for (Expr child : children(e)) {
            walk(child, visit);
        }
    }

    static Expr unary(ScalarOp op, Expr x) {
        return new Unary(op, x, op.isComparison() ? DType.BOOL : x.dtype());
    }

    static Expr binary(ScalarOp op, Expr a, Expr b) {
        return new Binary(op, a, b, op.isComparison() ? DType.BOOL : a.dtype());
    }

    static Expr cast(Expr x, DType to) {
        return x.dtype() == to ? x : new Cast(x, to);
    }

    static Expr index(Expr a, ScalarOp op, Expr b) {
        return new Binary(op, a, b, DType.INT32);
    }
}
