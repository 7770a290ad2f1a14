package io.jitflow.cpu;

import io.jitflow.ir.DType;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.ir.ops.Philox;
import io.jitflow.runtime.KernelSupport;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Label;
import org.objectweb.asm.Type;
import org.objectweb.asm.commons.GeneratorAdapter;
import org.objectweb.asm.commons.Method;

/**
 * Emits bytecode that leaves an expression's value on the stack, in its dtype's JVM type. Floats
 * of float16 and float32 are computed through double and rounded back, which matches the
 * reference semantics exactly; integers wrap to their dtype. A subexpression used more than once
 * (and at least once outside any select branch) is computed once into a local first.
 */
final class ExprEmitter {
    private static final Type MATH = Type.getType(Math.class);
    private static final Type SUPPORT = Type.getType(KernelSupport.class);
    private static final Type KERNEL_MATH = Type.getType(io.jitflow.runtime.KernelMath.class);

    private final KernelScope scope;
    private final GeneratorAdapter g;
    private final Map<Expr, Integer> cached = new IdentityHashMap<>();

    ExprEmitter(KernelScope scope) {
        this.scope = scope;
        this.g = scope.g;
    }

    /** Prepares every buffer the expression loads (call before the loops start). */
    void prepareBuffers(Expr e) {
        Expr.walk(e, x -> {
            if (x instanceof Expr.Load l) {
                scope.prepare(l.buffer());
            }
        });
    }

    /** As {@link #emitValue}, leaving nothing cached for later code, which may run on another path. */
    void emitStandalone(Expr e) {
        emitValue(e);
        cached.clear();
    }

    /** Emits {@code e} at one point of the loop: shared unconditional subexpressions first, then the value. */
    void emitValue(Expr e) {
        cached.clear();
        Map<Expr, Integer> total = new IdentityHashMap<>();
        Map<Expr, Integer> unconditional = new IdentityHashMap<>();
        count(e, total, unconditional, false);
        hoist(e, total, unconditional, false);
        emit(e);
    }

    private static void count(Expr e, Map<Expr, Integer> total, Map<Expr, Integer> unconditional, boolean inBranch) {
        total.merge(e, 1, Integer::sum);
        if (!inBranch) {
            unconditional.merge(e, 1, Integer::sum);
        }
        if (total.get(e) > 1) {
            return;
        }
        if (e instanceof Expr.Select s) {
            count(s.cond(), total, unconditional, inBranch);
            count(s.a(), total, unconditional, true);
            count(s.b(), total, unconditional, true);
        } else if (e instanceof Expr.Check c) {
            count(c.cond(), total, unconditional, inBranch);
            count(c.value(), total, unconditional, true);
        } else {
            for (Expr child : Expr.children(e)) {
                count(child, total, unconditional, inBranch);
            }
        }
    }

    /** Stores each shared, unconditionally used subexpression in a local, innermost first. */
    private void hoist(Expr e, Map<Expr, Integer> total, Map<Expr, Integer> unconditional, boolean inBranch) {
        if (cached.containsKey(e) || inBranch) {
            return;
        }
        if (e instanceof Expr.Select s) {
            hoist(s.cond(), total, unconditional, false);
        } else if (e instanceof Expr.Check c) {
            hoist(c.cond(), total, unconditional, false);
        } else {
            for (Expr child : Expr.children(e)) {
                hoist(child, total, unconditional, false);
            }
        }
        boolean trivial = e instanceof Expr.Const || e instanceof Expr.Coord || e instanceof Expr.Acc;
        if (!trivial && total.getOrDefault(e, 0) > 1 && unconditional.getOrDefault(e, 0) > 0) {
            emit(e);
            int local = g.newLocal(JvmTypes.value(e.dtype()));
            g.storeLocal(local);
            cached.put(e, local);
        }
    }

    /** Code that runs {@code then} if the int {@code pushCondition} pushes is not 0, else {@code otherwise}. */
    static void choose(GeneratorAdapter g, Runnable pushCondition, Runnable then, Runnable otherwise) {
        Label elseBranch = new Label();
        Label end = new Label();
        pushCondition.run();
        g.ifZCmp(GeneratorAdapter.EQ, elseBranch);
        then.run();
        g.goTo(end);
        g.mark(elseBranch);
        otherwise.run();
        g.mark(end);
    }

    void emit(Expr e) {
        Integer local = cached.get(e);
        if (local != null) {
            g.loadLocal(local);
        } else if (e instanceof Expr.Const c) {
            pushConstant(c);
        } else if (e instanceof Expr.Coord c) {
            g.loadLocal(scope.coord(c.axis()));
        } else if (e instanceof Expr.Size s) {
            scope.pushSize(s.dim());
        } else if (e instanceof Expr.Load l) {
            load(l);
        } else if (e instanceof Expr.Unary u) {
            unary(u);
        } else if (e instanceof Expr.Binary b) {
            binary(b);
        } else if (e instanceof Expr.Select s) {
            choose(g, () -> emit(s.cond()), () -> emit(s.a()), () -> emit(s.b()));
        } else if (e instanceof Expr.Cast c && inFloat32(c)) {
            Expr.Binary b = (Expr.Binary) c.x();
            emitNarrowed(b.a());
            emitNarrowed(b.b());
            switch (b.op()) {
                case ADD -> g.math(GeneratorAdapter.ADD, Type.FLOAT_TYPE);
                case SUB -> g.math(GeneratorAdapter.SUB, Type.FLOAT_TYPE);
                case MUL -> g.math(GeneratorAdapter.MUL, Type.FLOAT_TYPE);
                case DIV -> g.math(GeneratorAdapter.DIV, Type.FLOAT_TYPE);
                default -> g.invokeStatic(MATH, new Method(b.op() == ScalarOp.MAX ? "max" : "min", Type.FLOAT_TYPE,
                        new Type[] {Type.FLOAT_TYPE, Type.FLOAT_TYPE}));
            }
        } else if (e instanceof Expr.Cast c) {
            emit(c.x());
            cast(c.x().dtype(), c.dtype());
        } else if (e instanceof Expr.Random r) {
            g.push(r.seed());
            emit(r.counter());
            g.push(r.p1());
            g.push(r.p2());
            if (r.normal()) {
                g.invokeStatic(Type.getType(Philox.class), Method.getMethod("double normal(long, long, double, double)"));
            } else {
                g.push(r.dtype() == DType.FLOAT64);
                g.invokeStatic(Type.getType(Philox.class),
                        Method.getMethod("double uniform(long, long, double, double, boolean)"));
            }
            narrowDouble(r.dtype());
        } else if (e instanceof Expr.Check c) {
            Label ok = new Label();
            emit(c.cond());
            g.ifZCmp(GeneratorAdapter.NE, ok);
            g.push(c.message());
            g.invokeStatic(SUPPORT, Method.getMethod("RuntimeException fail(String)"));
            g.throwException();
            g.mark(ok);
            emit(c.value());
        } else if (e instanceof Expr.Acc) {
            g.loadLocal(scope.accumulator);
        }
    }

    /** Operations on float32 values that a float64 operation rounded back to float32 computes in float32 itself. */
    private static final Set<ScalarOp> SINGLE_ROUNDED = Set.of(ScalarOp.ADD, ScalarOp.SUB, ScalarOp.MUL, ScalarOp.DIV,
            ScalarOp.MAX, ScalarOp.MIN);

    /**
     * Whether {@code c} is a float32 rounding of a float64 operation on two float32 values (each
     * widened, or a constant float32 holds exactly), computed in float32 instead: rounding the
     * exact result to float64 and then to float32 gives the bits of rounding it once (float64
     * carries more than twice float32's precision), and without the conversions a loop's values do
     * not wait on each other's registers.
     */
    private boolean inFloat32(Expr.Cast c) {
        return c.dtype() == DType.FLOAT32 && c.x() instanceof Expr.Binary b && b.dtype() == DType.FLOAT64
                && SINGLE_ROUNDED.contains(b.op()) && !cached.containsKey(b) && isNarrowable(b.a())
                && isNarrowable(b.b());
    }

    private static boolean isNarrowable(Expr e) {
        return e instanceof Expr.Cast w && w.dtype() == DType.FLOAT64 && w.x().dtype() == DType.FLOAT32
                || e instanceof Expr.Const k && k.dtype() == DType.FLOAT64 && (double) (float) k.value() == k.value();
    }

    /** Pushes a narrowable operand of {@link #inFloat32} as the float32 it widens. */
    private void emitNarrowed(Expr e) {
        if (e instanceof Expr.Const k) {
            g.push((float) k.value());
        } else if (cached.containsKey(e)) {
            emit(e);
            g.cast(Type.DOUBLE_TYPE, Type.FLOAT_TYPE);
        } else {
            emit(((Expr.Cast) e).x());
        }
    }

    private void pushConstant(Expr.Const c) {
        switch (c.dtype()) {
            case BOOL, UINT8, INT32 -> g.push((int) c.bits());
            case INT64 -> g.push(c.bits());
            case FLOAT16, FLOAT32 -> g.push((float) c.value());
            case FLOAT64 -> g.push(c.value());
        }
    }

    private void load(Expr.Load l) {
        scope.loadArray(l.buffer());
        pushIndex(l);
        DType dtype = l.buffer().type().dtype();
        g.arrayLoad(JvmTypes.element(dtype));
        scope.widenLoaded(dtype);
    }

    /**
     * Pushes a load's flat position: the sum of each index times its dim's stride; for a load
     * through a reshape, whose indices are the digits of one flat position p in the buffer's shape
     * (see {@link #reshapedPosition}), {@code floorMod(p, size)}, the same number without a
     * division and a remainder per dim.
     */
    void pushIndex(Expr.Load l) {
        Expr position = reshapedPosition(l);
        if (position != null) {
            emit(position);
            g.push(1);
            for (io.jitflow.ir.Dim d : l.buffer().type().shape().dims()) {
                scope.pushSize(d);
                g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
            }
            g.invokeStatic(MATH, Method.getMethod("int floorMod(int, int)"));
            return;
        }
        List<Expr> index = l.index();
        if (index.isEmpty()) {
            g.push(0);
        }
        for (int d = 0; d < index.size(); d++) {
            emit(index.get(d));
            scope.loadStride(l.buffer(), d);
            g.math(GeneratorAdapter.MUL, Type.INT_TYPE);
            if (d > 0) {
                g.math(GeneratorAdapter.ADD, Type.INT_TYPE);
            }
        }
    }

    /**
     * The flat position p when a load's indices are p's digits in its buffer's shape, as fusion
     * writes a reshape's ({@code floor_mod(floor_div(p, stride), size)} per dim, the division left
     * out where the stride is 1 and the digit a constant 0 where the size is 1; strides static);
     * else null. Their sum times the strides is {@code floorMod(p, size of the buffer)} for every p.
     */
    static Expr reshapedPosition(Expr.Load l) {
        List<Expr> index = l.index();
        io.jitflow.ir.Shape shape = l.buffer().type().shape();
        if (index.isEmpty() || !(index.get(index.size() - 1) instanceof Expr.Binary last)
                || last.op() != ScalarOp.FLOOR_MOD) {
            return null;
        }
        Expr position = last.a();
        long stride = 1;
        for (int d = index.size() - 1; d >= 0; d--) {
            io.jitflow.ir.Dim dim = shape.dim(d);
            Expr digit = index.get(d);
            if (dim.isStatic() && dim.size() == 1) {
                if (!(digit instanceof Expr.Const c) || c.bits() != 0) {
                    return null;
                }
                continue;
            }
            Expr size = dim.isStatic() ? Expr.Const.index(dim.size()) : new Expr.Size(dim);
            if (!(digit instanceof Expr.Binary mod) || mod.op() != ScalarOp.FLOOR_MOD || !mod.b().equals(size)
                    || !(stride == 1 ? mod.a().equals(position) : mod.a() instanceof Expr.Binary div
                    && div.op() == ScalarOp.FLOOR_DIV && div.a().equals(position)
                    && Long.valueOf(stride).equals(constantProduct(div.b())))) {
                return null;
            }
            if (d > 0 && !dim.isStatic()) {
                return null;
            }
            stride *= dim.isStatic() ? dim.size() : 1;
        }
        return position;
    }

    /** The value of a product of integer constants, or null for any other expression. */
    private static Long constantProduct(Expr e) {
        if (e instanceof Expr.Const c && !c.dtype().isFloating()) {
            return c.bits();
        }
        if (e instanceof Expr.Binary b && b.op() == ScalarOp.MUL) {
            Long x = constantProduct(b.a());
            Long y = constantProduct(b.b());
            return x == null || y == null ? null : x * y;
        }
        return null;
    }

    /** Float16 and float32 values are widened to double, computed, and rounded back. */
    private static boolean narrowFloat(DType dtype) {
        return dtype == DType.FLOAT16 || dtype == DType.FLOAT32;
    }

    private void narrowDouble(DType to) {
        if (to == DType.FLOAT32) {
            g.cast(Type.DOUBLE_TYPE, Type.FLOAT_TYPE);
        } else if (to == DType.FLOAT16) {
            g.invokeStatic(SUPPORT, Method.getMethod("float roundToHalf(double)"));
        }
    }

    private void unary(Expr.Unary u) {
        DType operand = u.x().dtype();
        emit(u.x());
        if (narrowFloat(operand)) {
            g.cast(Type.FLOAT_TYPE, Type.DOUBLE_TYPE);
        }
        Type t = narrowFloat(operand) ? Type.DOUBLE_TYPE : JvmTypes.value(operand);
        switch (u.op()) {
            case NEG -> g.math(GeneratorAdapter.NEG, t);
            case NOT -> {
                g.push(1);
                g.math(GeneratorAdapter.XOR, Type.INT_TYPE);
            }
            case ABS -> g.invokeStatic(MATH, new Method("abs", t, new Type[] {t}));
            case SIGN -> {
                if (t == Type.DOUBLE_TYPE) {
                    g.invokeStatic(MATH, Method.getMethod("double signum(double)"));
                } else if (t == Type.LONG_TYPE) {
                    g.invokeStatic(Type.getType(Long.class), Method.getMethod("int signum(long)"));
                    g.cast(Type.INT_TYPE, Type.LONG_TYPE);
                } else {
                    g.invokeStatic(Type.getType(Integer.class), Method.getMethod("int signum(int)"));
                }
            }
            case IS_NAN -> g.invokeStatic(Type.getType(Double.class), Method.getMethod("boolean isNaN(double)"));
            case IS_FINITE -> g.invokeStatic(Type.getType(Double.class), Method.getMethod("boolean isFinite(double)"));
            case ERF -> g.invokeStatic(KERNEL_MATH, Method.getMethod("double erf(double)"));
            case NORMAL_CDF -> g.invokeStatic(KERNEL_MATH, Method.getMethod("double normalCdf(double)"));
            case EXP, EXPM1, LOG, LOG1P, SQRT, SIN, COS, TANH, FLOOR, CEIL, RINT ->
                    g.invokeStatic(MATH, new Method(u.op().name().toLowerCase(java.util.Locale.ROOT), Type.DOUBLE_TYPE,
                            new Type[] {Type.DOUBLE_TYPE}));
            case ADD, SUB, MUL, DIV, FLOOR_DIV, FLOOR_MOD, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE, AND, OR, XOR ->
                    throw new IllegalStateException(u.op() + " is not a unary operation");
        }
        finishArithmetic(u.op(), operand, u.dtype());
    }

    /** Rounds floats back to their dtype and wraps uint8, after an operation computed in a wider type. */
    private void finishArithmetic(ScalarOp op, DType operand, DType result) {
        if (op.isComparison() || result == DType.BOOL) {
            return;
        }
        if (narrowFloat(result)) {
            narrowDouble(result);
        } else if (result == DType.UINT8) {
            g.push(0xff);
            g.math(GeneratorAdapter.AND, Type.INT_TYPE);
        }
    }

    private void binary(Expr.Binary b) {
        DType operand = b.a().dtype();
        boolean widened = narrowFloat(operand);
        Type t = widened ? Type.DOUBLE_TYPE : JvmTypes.value(operand);
        emit(b.a());
        if (widened) {
            g.cast(Type.FLOAT_TYPE, Type.DOUBLE_TYPE);
        }
        emit(b.b());
        if (widened) {
            g.cast(Type.FLOAT_TYPE, Type.DOUBLE_TYPE);
        }
        boolean integral = t == Type.INT_TYPE || t == Type.LONG_TYPE;
        // A constant non-zero divisor (index arithmetic's dim sizes) needs no check: the JVM's own
        // division, or Math's floor forms, give the same results.
        boolean checked = integral && !(b.b() instanceof Expr.Const c && c.bits() != 0);
        switch (b.op()) {
            case ADD -> g.math(GeneratorAdapter.ADD, t);
            case SUB -> g.math(GeneratorAdapter.SUB, t);
            case MUL -> g.math(GeneratorAdapter.MUL, t);
            case AND -> g.math(GeneratorAdapter.AND, t);
            case OR -> g.math(GeneratorAdapter.OR, t);
            case XOR -> g.math(GeneratorAdapter.XOR, t);
            case DIV -> {
                if (checked) {
                    g.invokeStatic(SUPPORT, new Method("div", t, new Type[] {t, t}));
                } else {
                    g.math(GeneratorAdapter.DIV, t);
                }
            }
            case FLOOR_DIV -> {
                if (checked) {
                    g.invokeStatic(SUPPORT, new Method("floorDiv", t, new Type[] {t, t}));
                } else if (integral) {
                    g.invokeStatic(MATH, new Method("floorDiv", t, new Type[] {t, t}));
                } else {
                    g.math(GeneratorAdapter.DIV, t);
                    g.invokeStatic(MATH, Method.getMethod("double floor(double)"));
                }
            }
            case FLOOR_MOD -> g.invokeStatic(checked ? SUPPORT : integral ? MATH : SUPPORT,
                    new Method("floorMod", t, new Type[] {t, t}));
            case POW -> {
                if (integral) {
                    powInteger(t);
                } else {
                    g.invokeStatic(MATH, Method.getMethod("double pow(double, double)"));
                }
            }
            case MAX -> g.invokeStatic(MATH, new Method("max", t, new Type[] {t, t}));
            case MIN -> g.invokeStatic(MATH, new Method("min", t, new Type[] {t, t}));
            case EQ -> compare(t, GeneratorAdapter.EQ);
            case NE -> compare(t, GeneratorAdapter.NE);
            case LT -> compare(t, GeneratorAdapter.LT);
            case LE -> compare(t, GeneratorAdapter.LE);
            case GT -> compare(t, GeneratorAdapter.GT);
            case GE -> compare(t, GeneratorAdapter.GE);
            case NEG, ABS, SIGN, EXP, EXPM1, LOG, LOG1P, SQRT, SIN, COS, TANH, ERF, NORMAL_CDF, FLOOR, CEIL, RINT, IS_NAN,
                 IS_FINITE, NOT -> throw new IllegalStateException(b.op() + " is not a binary operation");
        }
        finishArithmetic(b.op(), operand, b.dtype());
    }

    private void powInteger(Type t) {
        if (t == Type.INT_TYPE) {
            int exponent = g.newLocal(Type.INT_TYPE);
            g.storeLocal(exponent);
            g.cast(Type.INT_TYPE, Type.LONG_TYPE);
            g.loadLocal(exponent);
            g.cast(Type.INT_TYPE, Type.LONG_TYPE);
        }
        g.invokeStatic(SUPPORT, Method.getMethod("long pow(long, long)"));
        if (t == Type.INT_TYPE) {
            g.cast(Type.LONG_TYPE, Type.INT_TYPE);
        }
    }

    /** Leaves 1 or 0. GeneratorAdapter compares doubles so that any comparison with NaN is false (NE true). */
    private void compare(Type t, int mode) {
        Label yes = new Label();
        Label end = new Label();
        g.ifCmp(t, mode, yes);
        g.push(0);
        g.goTo(end);
        g.mark(yes);
        g.push(1);
        g.mark(end);
    }

    /** cast's semantics between computed JVM values. */
    private void cast(DType from, DType to) {
        if (from == to) {
            return;
        }
        Type source = JvmTypes.value(from);
        if (to == DType.BOOL) {
            pushZero(source);
            compare(source, GeneratorAdapter.NE);
            return;
        }
        if (to == DType.UINT8) {
            if (source == Type.FLOAT_TYPE || source == Type.DOUBLE_TYPE) {
                g.cast(source, Type.DOUBLE_TYPE);
                g.invokeStatic(SUPPORT, Method.getMethod("int toUint8(double)"));
            } else {
                g.cast(source, Type.INT_TYPE);
                g.push(0xff);
                g.math(GeneratorAdapter.AND, Type.INT_TYPE);
            }
            return;
        }
        if (to == DType.FLOAT16) {
            g.cast(source, Type.DOUBLE_TYPE);
            g.invokeStatic(SUPPORT, Method.getMethod("float roundToHalf(double)"));
            return;
        }
        Type target = JvmTypes.value(to);
        if (from == DType.FLOAT16 && target == Type.FLOAT_TYPE) {
            return;
        }
        g.cast(source, target);
    }

    private void pushZero(Type t) {
        if (t == Type.LONG_TYPE) {
            g.push(0L);
        } else if (t == Type.FLOAT_TYPE) {
            g.push(0f);
        } else if (t == Type.DOUBLE_TYPE) {
            g.push(0d);
        } else {
            g.push(0);
        }
    }
}
