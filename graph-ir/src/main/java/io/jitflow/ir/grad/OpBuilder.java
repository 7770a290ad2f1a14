package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds ops on {@link OpValue}s: the interface gradient rules are written against. The eager
 * context runs each op at once, the tracing context adds a node, the autodiff pass adds a node to
 * the graph it differentiates; since gradients are built through the same interface, they can be
 * differentiated again. The default methods spell the common ops.
 */
public interface OpBuilder {
    /** Applies {@code op} with regions (only control-flow ops have any); returns its results. */
    List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands, List<Function> regions);

    /** Applies an op without regions. */
    default List<OpValue> apply(Op op, Attributes attrs, List<OpValue> operands) {
        return apply(op, attrs, operands, List.of());
    }

    /** A constant value. */
    OpValue constant(HostTensor value);

    /** Applies a one-result op. */
    default OpValue one(Op op, Attributes attrs, OpValue... operands) {
        return apply(op, attrs, List.of(operands)).get(0);
    }

    default OpValue one(Op op, OpValue... operands) {
        return one(op, Attributes.empty(), operands);
    }

    /** A scalar of {@code like}'s dtype. */
    default OpValue scalar(OpValue like, double value) {
        return constant(HostTensor.scalar(like.type().dtype(), value));
    }

    /** {@code value} in {@code like}'s dtype and shape (whose dims may be symbolic). */
    default OpValue fillLike(OpValue like, double value) {
        return one(Op.FILL, Attributes.builder().put("shape", like.type().shape()).build(), scalar(like, value));
    }

    default OpValue add(OpValue a, OpValue b) {
        return one(Op.ADD, a, b);
    }

    default OpValue sub(OpValue a, OpValue b) {
        return one(Op.SUB, a, b);
    }

    default OpValue mul(OpValue a, OpValue b) {
        return one(Op.MUL, a, b);
    }

    default OpValue mul(OpValue a, double b) {
        return mul(a, scalar(a, b));
    }

    default OpValue div(OpValue a, OpValue b) {
        return one(Op.DIV, a, b);
    }

    default OpValue neg(OpValue a) {
        return one(Op.NEG, a);
    }

    /** x where cond holds, else 0. */
    default OpValue where(OpValue cond, OpValue x) {
        return one(Op.SELECT, cond, x, scalar(x, 0));
    }

    /** 0 where cond holds, else x. */
    default OpValue whereNot(OpValue cond, OpValue x) {
        return one(Op.SELECT, cond, scalar(x, 0), x);
    }

    default OpValue cast(OpValue x, DType dtype) {
        return x.type().dtype() == dtype ? x : one(Op.CAST, Attributes.builder().put("dtype", dtype).build(), x);
    }

    default OpValue reshape(OpValue x, Shape shape) {
        return x.type().shape().equals(shape) ? x : one(Op.RESHAPE, Attributes.builder().put("shape", shape).build(), x);
    }

    default OpValue broadcastTo(OpValue x, Shape shape) {
        return x.type().shape().equals(shape) ? x
                : one(Op.BROADCAST_TO, Attributes.builder().put("shape", shape).build(), x);
    }

    default OpValue reduceSum(OpValue x, List<Integer> axes, boolean keepdims) {
        if (axes.isEmpty()) {
            return x;
        }
        return one(Op.REDUCE_SUM, Attributes.builder()
                .putInts("axes", axes.stream().mapToLong(Integer::longValue).toArray())
                .put("keepdims", keepdims).build(), x);
    }

    /**
     * Sums {@code g} down to {@code target}'s shape: the transpose of NumPy broadcasting, which every
     * binary op's gradient needs.
     */
    default OpValue unbroadcast(OpValue g, OpValue target) {
        Shape gs = g.type().shape();
        Shape ts = target.type().shape();
        if (gs.equals(ts)) {
            return g;
        }
        int offset = gs.rank() - ts.rank();
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < gs.rank(); i++) {
            boolean stretched = i < offset
                    || (ts.dim(i - offset).equals(Dim.of(1)) && !gs.dim(i).equals(Dim.of(1)));
            if (stretched) {
                axes.add(i);
            }
        }
        return reshape(reduceSum(g, axes, false), ts);
    }

    /** Broadcasts a reduction's result (or its gradient) back over the reduced input's shape. */
    default OpValue unreduce(OpValue reduced, OpValue input, Attributes reductionAttrs) {
        Shape in = input.type().shape();
        List<Dim> kept = new ArrayList<>(in.dims());
        for (int axis : reducedAxes(in.rank(), reductionAttrs)) {
            kept.set(axis, Dim.of(1));
        }
        return broadcastTo(reshape(reduced, Shape.of(kept)), in);
    }

    /** The axes a reduction with these attributes reduces over an input of rank {@code rank}. */
    static List<Integer> reducedAxes(int rank, Attributes reductionAttrs) {
        List<Integer> axes = new ArrayList<>();
        if (reductionAttrs.has("axes")) {
            for (long a : reductionAttrs.getInts("axes")) {
                axes.add(Shape.normalizeAxis(a, rank));
            }
        } else {
            for (int i = 0; i < rank; i++) {
                axes.add(i);
            }
        }
        return axes;
    }
}
