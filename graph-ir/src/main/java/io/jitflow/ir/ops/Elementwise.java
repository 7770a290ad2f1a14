package io.jitflow.ir.ops;

import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/**
 * Elementwise ops with NumPy broadcasting. Reference arithmetic is done in {@code double} for floats
 * (then rounded to the dtype when stored) and in {@code long} for integers (then wrapped to the
 * dtype, as Java's casts wrap); uint8 reads unsigned.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /** A float formula that may read attributes, e.g. leaky_relu's alpha. */
    @FunctionalInterface
    public interface FloatFn {
        double apply(double x, Attributes attrs);
    }

    @FunctionalInterface
    public interface IntFn {
        long apply(long x);
    }

    @FunctionalInterface
    public interface FloatBinary {
        double apply(double a, double b);
    }

    /** An integer formula; it may throw (division by zero) through the call. */
    @FunctionalInterface
    public interface IntBinary {
        long apply(long a, long b, EvalCall call);
    }

    @FunctionalInterface
    public interface FloatPredicate {
        boolean test(double a, double b);
    }

    @FunctionalInterface
    public interface IntPredicate {
        boolean test(long a, long b);
    }

    @FunctionalInterface
    public interface BoolBinary {
        boolean apply(boolean a, boolean b);
    }

    /** How one output element is computed from the operands' elements at its position. */
    @FunctionalInterface
    private interface ElementRule {
        void compute(HostTensor.Writer out, int i, HostTensor[] ins, int[] idx);
    }

    /** A unary op on floating dtypes only. */
    public static OpDef floatUnary(FloatFn f, AttrSpec... attrs) {
        return unary(List.of(DType.Kind.FLOAT), null, attrs, (call, out, i, x, ix) ->
                out.setDouble(i, f.apply(x.getDouble(ix), call.attrs())));
    }

    /** A unary op on every numeric dtype: {@code f} for floats, {@code g} for integers. */
    public static OpDef numericUnary(FloatFn f, IntFn g) {
        return unary(List.of(DType.Kind.INTEGER, DType.Kind.FLOAT), null, new AttrSpec[0], (call, out, i, x, ix) -> {
            if (x.dtype().isFloating()) {
                out.setDouble(i, f.apply(x.getDouble(ix), call.attrs()));
            } else {
                out.setLong(i, g.apply(x.getLong(ix)));
            }
        });
    }

    /** A float test giving bool, such as is_nan. */
    public static OpDef floatPredicate(java.util.function.DoublePredicate p) {
        return unary(List.of(DType.Kind.FLOAT), DType.BOOL, new AttrSpec[0], (call, out, i, x, ix) ->
                out.setBool(i, p.test(x.getDouble(ix))));
    }

    public static OpDef logicalNot() {
        return unary(List.of(DType.Kind.BOOL), null, new AttrSpec[0], (call, out, i, x, ix) ->
                out.setBool(i, !x.getBool(ix)));
    }

    /**
     * cast: the only conversion. Float to integer truncates toward zero and saturates (NaN gives 0);
     * integer to narrower integer wraps; anything to bool is "non-zero"; bool to number is 0 or 1.
     */
    public static OpDef cast() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("dtype", io.jitflow.ir.Attr.Kind.DTYPE))
                .infer(c -> List.of(c.operand(0).withDType(c.attrs().getDType("dtype"))))
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    DType to = c.attrs().getDType("dtype");
                    HostTensor.Writer out = HostTensor.writer(to, x.shape());
                    for (int i = 0; i < x.size(); i++) {
                        if (to.isBool()) {
                            out.setBool(i, x.getBool(i));
                        } else if (x.dtype().isFloating()) {
                            out.setDouble(i, x.getDouble(i));
                        } else {
                            out.setLong(i, x.getLong(i));
                        }
                    }
                    return List.of(out.build());
                }).build();
    }

    @FunctionalInterface
    private interface UnaryRule {
        void compute(EvalCall call, HostTensor.Writer out, int i, HostTensor x, int ix);
    }

    private static OpDef unary(List<DType.Kind> kinds, DType resultType, AttrSpec[] attrs, UnaryRule rule) {
        OpDef.Builder b = OpDef.builder().operands(1);
        for (AttrSpec a : attrs) {
            b.attr(a);
        }
        return b.infer(c -> {
                    DType dt = c.requireKind(0, kinds.toArray(new DType.Kind[0]));
                    return List.of(c.operand(0).withDType(resultType == null ? dt : resultType));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    HostTensor.Writer out = HostTensor.writer(resultType == null ? x.dtype() : resultType, x.shape());
                    for (int i = 0; i < x.size(); i++) {
                        rule.compute(c, out, i, x, i);
                    }
                    return List.of(out.build());
                }).build();
    }

    /** A numeric binary op: {@code f} on floats, {@code g} on integers. */
    public static OpDef arithmetic(FloatBinary f, IntBinary g) {
        return nary(2, List.of(DType.Kind.INTEGER, DType.Kind.FLOAT), null, (c, out, i, ins, idx) -> {
            if (ins[0].dtype().isFloating()) {
                out.setDouble(i, f.apply(ins[0].getDouble(idx[0]), ins[1].getDouble(idx[1])));
            } else {
                out.setLong(i, g.apply(ins[0].getLong(idx[0]), ins[1].getLong(idx[1]), c));
            }
        });
    }

    /**
     * div, true division as TensorFlow's {@code /}: floats divide in their dtype; integers divide as
     * floats, uint8 giving float32 and int32 and int64 giving float64 ({@code floor_div} is the
     * integer division).
     */
    public static OpDef trueDivision() {
        return OpDef.builder().operands(2)
                .infer(c -> {
                    DType dt = c.commonDType();
                    c.requireKind(0, DType.Kind.INTEGER, DType.Kind.FLOAT);
                    return List.of(new TensorType(quotientType(dt), Broadcasting.inferShape(c)));
                })
                .evaluate(c -> broadcastEval(c, quotientType(c.operand(0).dtype()), (out, i, ins, idx) ->
                        out.setDouble(i, ins[0].getDouble(idx[0]) / ins[1].getDouble(idx[1]))))
                .build();
    }

    /** The dtype of a true division of {@code operands}: a float dtype wide enough for their values. */
    public static DType quotientType(DType operands) {
        return switch (operands) {
            case UINT8 -> DType.FLOAT32;
            case INT32, INT64 -> DType.FLOAT64;
            case BOOL, FLOAT16, FLOAT32, FLOAT64 -> operands;
        };
    }

    /** A comparison giving bool; {@code withBool} lets bool operands in (equal, not_equal). */
    public static OpDef comparison(FloatPredicate f, IntPredicate g, boolean withBool) {
        List<DType.Kind> kinds = withBool ? List.of(DType.Kind.BOOL, DType.Kind.INTEGER, DType.Kind.FLOAT)
                : List.of(DType.Kind.INTEGER, DType.Kind.FLOAT);
        return nary(2, kinds, DType.BOOL, (c, out, i, ins, idx) -> {
            if (ins[0].dtype().isFloating()) {
                out.setBool(i, f.test(ins[0].getDouble(idx[0]), ins[1].getDouble(idx[1])));
            } else {
                out.setBool(i, g.test(ins[0].getLong(idx[0]), ins[1].getLong(idx[1])));
            }
        });
    }

    public static OpDef logical(BoolBinary f) {
        return nary(2, List.of(DType.Kind.BOOL), null, (c, out, i, ins, idx) ->
                out.setBool(i, f.apply(ins[0].getBool(idx[0]), ins[1].getBool(idx[1]))));
    }

    /** select(cond, x, y): x where cond is true, else y; all three broadcast. */
    public static OpDef select() {
        return OpDef.builder().operands(3)
                .infer(c -> {
                    if (!c.operand(0).dtype().isBool()) {
                        throw c.error("condition must be bool, got " + c.operand(0));
                    }
                    if (c.operand(1).dtype() != c.operand(2).dtype()) {
                        throw c.error("branches must have the same dtype, got " + c.operand(1) + " and " + c.operand(2)
                                + " (use cast to convert explicitly)");
                    }
                    return List.of(new TensorType(c.operand(1).dtype(), Broadcasting.inferShape(c)));
                })
                .evaluate(c -> broadcastEval(c, c.operand(1).dtype(), (out, i, ins, idx) ->
                        out.copy(ins[0].getBool(idx[0]) ? ins[1] : ins[2], ins[0].getBool(idx[0]) ? idx[1] : idx[2], i)))
                .build();
    }

    /** clip(x, lo, hi) = min(max(x, lo), hi), all three broadcast; NaN stays NaN. */
    public static OpDef clip() {
        return nary(3, List.of(DType.Kind.INTEGER, DType.Kind.FLOAT), null, (c, out, i, ins, idx) -> {
            if (ins[0].dtype().isFloating()) {
                out.setDouble(i, Math.min(Math.max(ins[0].getDouble(idx[0]), ins[1].getDouble(idx[1])),
                        ins[2].getDouble(idx[2])));
            } else {
                out.setLong(i, Math.min(Math.max(ins[0].getLong(idx[0]), ins[1].getLong(idx[1])),
                        ins[2].getLong(idx[2])));
            }
        });
    }

    @FunctionalInterface
    private interface NaryRule {
        void compute(EvalCall call, HostTensor.Writer out, int i, HostTensor[] ins, int[] idx);
    }

    private static OpDef nary(int arity, List<DType.Kind> kinds, DType resultType, NaryRule rule) {
        DType.Kind[] kindArray = kinds.toArray(new DType.Kind[0]);
        return OpDef.builder().operands(arity)
                .infer(c -> {
                    DType dt = c.commonDType();
                    c.requireKind(0, kindArray);
                    return List.of(new TensorType(resultType == null ? dt : resultType, Broadcasting.inferShape(c)));
                })
                .evaluate(c -> broadcastEval(c, resultType == null ? c.operand(0).dtype() : resultType,
                        (out, i, ins, idx) -> rule.compute(c, out, i, ins, idx)))
                .build();
    }

    private static List<HostTensor> broadcastEval(EvalCall c, DType resultType, ElementRule rule) {
        HostTensor[] ins = c.operands().toArray(new HostTensor[0]);
        List<int[]> shapes = new ArrayList<>();
        for (HostTensor t : ins) {
            shapes.add(t.shape());
        }
        int[] outShape = Broadcasting.broadcast(c.op().mnemonic(), shapes);
        int[][] strides = new int[ins.length][];
        for (int k = 0; k < ins.length; k++) {
            strides[k] = Broadcasting.stridesFor(ins[k].shape(), outShape);
        }
        HostTensor.Writer out = HostTensor.writer(resultType, outShape);
        int count = io.jitflow.ir.Shape.checkedElementCount(outShape);
        int[] idx = new int[ins.length];
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < ins.length; k++) {
                idx[k] = Broadcasting.sourceIndex(i, outShape, strides[k]);
            }
            rule.compute(out, i, ins, idx);
        }
        return List.of(out.build());
    }
}
