package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.List;

/** Ops that read by index: gather and one_hot. */
public final class Indexing {
    private Indexing() {
    }

    private static OpDef.Builder gatherAttributes(OpDef.Builder b) {
        return b.attr(AttrSpec.withDefault("axis", new Attr.IntAttr(0)))
                .attr(AttrSpec.withDefault("batch_dims", new Attr.IntAttr(0)));
    }

    /**
     * gather(params, indices) {axis, batch_dims}: result shape params[:axis] + indices[batch_dims:] +
     * params[axis+1:], as tf.gather. The first batch_dims dims of both operands must agree.
     */
    public static OpDef gather() {
        return gatherAttributes(OpDef.builder().operands(2))
                .infer(c -> List.of(gatheredType(c)))
                .evaluate(c -> {
                    HostTensor params = c.operand(0);
                    int[] outShape = gatheredShape(c, params.shape(), c.operand(1));
                    int[] sources = gatherSources(c, params.shape(), c.operand(1), outShape);
                    HostTensor.Writer out = HostTensor.writer(params.dtype(), outShape);
                    for (int i = 0; i < sources.length; i++) {
                        out.copy(params, sources[i], i);
                    }
                    return List.of(out.build());
                }).build();
    }

    /**
     * scatter_add(x, indices, updates) {axis, batch_dims}: x with each update added at the position
     * gather(x, indices) would read it from; repeated indices accumulate. It is gather's transpose.
     */
    public static OpDef scatterAdd() {
        return gatherAttributes(OpDef.builder().operands(3))
                .infer(c -> {
                    c.requireKind(0, DType.Kind.INTEGER, DType.Kind.FLOAT);
                    TensorType expected = gatheredType(c);
                    if (!c.operand(2).equals(expected)) {
                        throw c.error("updates must have the gathered type " + expected + ", got " + c.operand(2));
                    }
                    return List.of(c.operand(0));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    HostTensor updates = c.operand(2);
                    int[] outShape = gatheredShape(c, x.shape(), c.operand(1));
                    int[] targets = gatherSources(c, x.shape(), c.operand(1), outShape);
                    HostTensor.Writer out = HostTensor.writer(x.dtype(), x.shape());
                    boolean floating = x.dtype().isFloating();
                    double[] fsum = floating ? x.toDoubleArray() : null;
                    long[] isum = floating ? null : x.toLongArray();
                    for (int i = 0; i < targets.length; i++) {
                        if (floating) {
                            fsum[targets[i]] += updates.getDouble(i);
                        } else {
                            isum[targets[i]] += updates.getLong(i);
                        }
                    }
                    for (int i = 0; i < x.size(); i++) {
                        if (floating) {
                            out.setDouble(i, fsum[i]);
                        } else {
                            out.setLong(i, isum[i]);
                        }
                    }
                    return List.of(out.build());
                }).build();
    }

    /** The type gather(operand 0, operand 1) has under the call's attributes. */
    private static TensorType gatheredType(io.jitflow.ir.InferCall c) {
        c.requireKind(1, DType.Kind.INTEGER);
        Shape params = c.operand(0).shape();
        Shape indices = c.operand(1).shape();
        if (params.rank() == 0) {
            throw c.error("params must have rank >= 1, got " + c.operand(0));
        }
        int axis = c.axis(c.attrs().getInt("axis"), params.rank());
        long b = c.attrs().getInt("batch_dims");
        int batchDims = batchDims(c.attrs(), indices.rank());
        if (batchDims < 0 || batchDims > indices.rank() || batchDims > axis) {
            throw c.error("batch_dims " + b + " must be in [0, min(indices rank " + indices.rank()
                    + ", axis " + axis + ")]");
        }
        for (int d = 0; d < batchDims; d++) {
            if (!params.dim(d).equals(indices.dim(d))) {
                throw c.error("the first " + batchDims + " dims of params " + c.operand(0)
                        + " and indices " + c.operand(1) + " must agree");
            }
        }
        List<Dim> dims = new ArrayList<>(params.dims().subList(0, axis));
        dims.addAll(indices.dims().subList(batchDims, indices.rank()));
        dims.addAll(params.dims().subList(axis + 1, params.rank()));
        return c.operand(0).withShape(Shape.of(dims));
    }

    private static int[] gatheredShape(EvalCall c, int[] params, HostTensor indices) {
        int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), params.length);
        int batchDims = batchDims(c, indices);
        List<Integer> dims = new ArrayList<>();
        for (int d = 0; d < axis; d++) {
            dims.add(params[d]);
        }
        for (int d = batchDims; d < indices.rank(); d++) {
            dims.add(indices.dim(d));
        }
        for (int d = axis + 1; d < params.length; d++) {
            dims.add(params[d]);
        }
        return dims.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int batchDims(EvalCall c, HostTensor indices) {
        return batchDims(c.attrs(), indices.rank());
    }

    /** gather's and scatter_add's batch_dims attribute, a negative one counted from indices' rank. */
    public static int batchDims(io.jitflow.ir.Attributes attrs, int indicesRank) {
        long b = attrs.getInt("batch_dims");
        return (int) (b < 0 ? b + indicesRank : b);
    }

    /** For each element of the gathered result, the flat index into params it reads; checks every index. */
    private static int[] gatherSources(EvalCall c, int[] params, HostTensor indices, int[] outShape) {
        int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), params.length);
        int batchDims = batchDims(c, indices);
        int indexRank = indices.rank() - batchDims;
        int[] paramStrides = Broadcasting.rowMajorStrides(params);
        int[] indexStrides = Broadcasting.rowMajorStrides(indices.shape());
        int limit = params[axis];
        int[] sources = new int[Shape.checkedElementCount(outShape)];
        int[] coord = new int[outShape.length];
        for (int i = 0; i < sources.length; i++) {
            int indexPosition = 0;
            for (int d = 0; d < batchDims; d++) {
                indexPosition += coord[d] * indexStrides[d];
            }
            for (int d = 0; d < indexRank; d++) {
                indexPosition += coord[axis + d] * indexStrides[batchDims + d];
            }
            long index = indices.getLong(indexPosition);
            if (index < 0 || index >= limit) {
                throw c.error("index " + index + " is out of range [0, " + limit + ") for axis " + axis
                        + " of params with shape " + java.util.Arrays.toString(params));
            }
            int source = (int) index * paramStrides[axis];
            for (int d = 0; d < axis; d++) {
                source += coord[d] * paramStrides[d];
            }
            for (int d = axis + 1; d < params.length; d++) {
                source += coord[d - 1 + indexRank] * paramStrides[d];
            }
            sources[i] = source;
            Movement.advance(coord, outShape);
        }
        return sources;
    }

    /** one_hot(indices) {depth, on_value, off_value, axis, dtype}: a new axis of size depth. */
    public static OpDef oneHot() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("depth", Attr.Kind.INT))
                .attr(AttrSpec.withDefault("on_value", new Attr.FloatAttr(1)))
                .attr(AttrSpec.withDefault("off_value", new Attr.FloatAttr(0)))
                .attr(AttrSpec.withDefault("axis", new Attr.IntAttr(-1)))
                .attr(AttrSpec.withDefault("dtype", new Attr.DTypeAttr(DType.FLOAT32)))
                .infer(c -> {
                    c.requireKind(0, DType.Kind.INTEGER);
                    long depth = c.attrs().getInt("depth");
                    if (depth < 0 || depth > Integer.MAX_VALUE) {
                        throw c.error("depth must be >= 0, got " + depth);
                    }
                    int axis = oneHotAxis(c.attrs().getInt("axis"), c.operand(0).rank());
                    if (axis < 0) {
                        throw c.error("axis " + c.attrs().getInt("axis") + " is out of range for a result of rank "
                                + (c.operand(0).rank() + 1));
                    }
                    List<Dim> dims = new ArrayList<>(c.operand(0).shape().dims());
                    dims.add(axis, Dim.of((int) depth));
                    return List.of(new TensorType(c.attrs().getDType("dtype"), Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor indices = c.operand(0);
                    int depth = (int) c.attrs().getInt("depth");
                    int axis = oneHotAxis(c.attrs().getInt("axis"), indices.rank());
                    List<Integer> dims = new ArrayList<>(java.util.Arrays.stream(indices.shape()).boxed().toList());
                    dims.add(axis, depth);
                    int[] outShape = dims.stream().mapToInt(Integer::intValue).toArray();
                    int inner = 1;
                    for (int d = axis; d < indices.rank(); d++) {
                        inner *= indices.dim(d);
                    }
                    HostTensor.Writer out = HostTensor.writer(c.attrs().getDType("dtype"), outShape);
                    double on = c.attrs().getFloat("on_value");
                    double off = c.attrs().getFloat("off_value");
                    int count = Shape.checkedElementCount(outShape);
                    for (int i = 0; i < count; i++) {
                        int outer = i / (depth * inner);
                        int k = i / inner % depth;
                        int rest = i % inner;
                        out.setDouble(i, indices.getLong(outer * inner + rest) == k ? on : off);
                    }
                    return List.of(out.build());
                }).build();
    }

    /** The position of one_hot's new axis in a result of rank indicesRank + 1, or -1 if out of range. */
    private static int oneHotAxis(long axis, int indicesRank) {
        if (axis == -1) {
            return indicesRank;
        }
        return axis >= 0 && axis <= indicesRank ? (int) axis : -1;
    }
}
