package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.List;

/** Ops that make tensors from attributes: constant, fill, range and the random generators. */
public final class Creation {
    private Creation() {
    }

    public static OpDef constant() {
        return OpDef.builder().operands(0)
                .attr(AttrSpec.required("value", Attr.Kind.TENSOR))
                .infer(c -> List.of(c.attrs().getTensor("value").type()))
                .evaluate(c -> List.of(c.attrs().getTensor("value")))
                .build();
    }

    /** fill(value) {shape}: a scalar operand repeated over the shape, whose dims may be symbolic. */
    public static OpDef fill() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("shape", Attr.Kind.SHAPE))
                .infer(c -> {
                    if (c.operand(0).rank() != 0) {
                        throw c.error("the value must be a scalar, got " + c.operand(0));
                    }
                    return List.of(c.operand(0).withShape(c.attrs().getShape("shape").shape()));
                })
                .evaluate(c -> {
                    HostTensor value = c.operand(0);
                    int[] shape = c.context().resolve(c.attrs().getShape("shape").shape());
                    HostTensor.Writer out = HostTensor.writer(value.dtype(), shape);
                    for (int i = 0, n = Shape.checkedElementCount(shape); i < n; i++) {
                        out.copy(value, 0, i);
                    }
                    return List.of(out.build());
                }).build();
    }

    /** range {start, limit, delta, dtype}: start + i * delta for i in [0, ceil((limit - start) / delta)). */
    public static OpDef range() {
        return OpDef.builder().operands(0)
                .attr(AttrSpec.withDefault("start", new Attr.FloatAttr(0)))
                .attr(AttrSpec.required("limit", Attr.Kind.FLOAT))
                .attr(AttrSpec.withDefault("delta", new Attr.FloatAttr(1)))
                .attr(AttrSpec.withDefault("dtype", new Attr.DTypeAttr(DType.FLOAT32)))
                .infer(c -> {
                    DType dtype = c.attrs().getDType("dtype");
                    if (dtype.isBool()) {
                        throw c.error("dtype must be numeric, got bool");
                    }
                    return List.of(TensorType.of(dtype, rangeLength(c)));
                })
                .evaluate(c -> {
                    double start = c.attrs().getFloat("start");
                    double delta = c.attrs().getFloat("delta");
                    int n = (int) Math.max(0, Math.ceil((c.attrs().getFloat("limit") - start) / delta));
                    HostTensor.Writer out = HostTensor.writer(c.attrs().getDType("dtype"), new int[] {n});
                    for (int i = 0; i < n; i++) {
                        out.setDouble(i, start + i * delta);
                    }
                    return List.of(out.build());
                }).build();
    }

    private static int rangeLength(InferCall c) {
        double start = c.attrs().getFloat("start");
        double limit = c.attrs().getFloat("limit");
        double delta = c.attrs().getFloat("delta");
        if (delta == 0 || !Double.isFinite(delta) || !Double.isFinite(start) || !Double.isFinite(limit)) {
            throw c.error("start, limit and delta must be finite and delta non-zero, got start " + start
                    + ", limit " + limit + ", delta " + delta);
        }
        double n = Math.max(0, Math.ceil((limit - start) / delta));
        if (n > Integer.MAX_VALUE - 8) {
            throw c.error("the range has " + n + " elements, more than a tensor can hold");
        }
        return (int) n;
    }

    /**
     * random_uniform {shape, dtype, seed, minval, maxval}: see {@link Philox#uniform}.
     */
    public static OpDef randomUniform() {
        return random(AttrSpec.withDefault("minval", new Attr.FloatAttr(0)),
                AttrSpec.withDefault("maxval", new Attr.FloatAttr(1)),
                (dtype, i, attrs) -> Philox.uniform(attrs.getInt("seed"), i, attrs.getFloat("minval"),
                        attrs.getFloat("maxval"), dtype == DType.FLOAT64));
    }

    /**
     * random_normal {shape, dtype, seed, mean, stddev}: see {@link Philox#normal}.
     */
    public static OpDef randomNormal() {
        return random(AttrSpec.withDefault("mean", new Attr.FloatAttr(0)),
                AttrSpec.withDefault("stddev", new Attr.FloatAttr(1)),
                (dtype, i, attrs) -> Philox.normal(attrs.getInt("seed"), i, attrs.getFloat("mean"),
                        attrs.getFloat("stddev")));
    }

    @FunctionalInterface
    private interface Sample {
        double sample(DType dtype, long element, io.jitflow.ir.Attributes attrs);
    }

    private static OpDef random(AttrSpec first, AttrSpec second, Sample sample) {
        return OpDef.builder().operands(0)
                .attr(AttrSpec.required("shape", Attr.Kind.SHAPE))
                .attr(AttrSpec.withDefault("dtype", new Attr.DTypeAttr(DType.FLOAT32)))
                .attr(AttrSpec.required("seed", Attr.Kind.INT))
                .attr(first)
                .attr(second)
                .infer(c -> {
                    DType dtype = c.attrs().getDType("dtype");
                    if (!dtype.isFloating()) {
                        throw c.error("dtype must be floating, got " + dtype);
                    }
                    Shape shape = c.attrs().getShape("shape").shape();
                    return List.of(new TensorType(dtype, shape));
                })
                .evaluate(c -> {
                    DType dtype = c.attrs().getDType("dtype");
                    int[] shape = c.context().resolve(c.attrs().getShape("shape").shape());
                    HostTensor.Writer out = HostTensor.writer(dtype, shape);
                    for (int i = 0, n = Shape.checkedElementCount(shape); i < n; i++) {
                        out.setDouble(i, sample.sample(dtype, i, c.attrs()));
                    }
                    return List.of(out.build());
                }).build();
    }
}
