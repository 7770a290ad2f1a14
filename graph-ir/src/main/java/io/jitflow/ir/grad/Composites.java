package io.jitflow.ir.grad;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.ops.Resize;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The composite ops (batch_norm, layer_norm, resize) as the primitive ops they stand for: fusion
 * compiles their expansion, and their gradient is the gradient of that expansion, rule by rule,
 * so it fuses and differentiates again like any other. The reference loops of each op round in
 * the expansion's order (see {@code ops.Normalization}, {@code ops.Resize}).
 */
public final class Composites {
    private Composites() {
    }

    /** The op's value built from primitive ops through {@code b}. */
    public static OpValue expand(Op op, Attributes a, List<OpValue> in, OpBuilder b) {
        OpValue x = in.get(0);
        int rank = x.type().rank();
        return switch (op) {
            case BATCH_NORM -> {
                int axis = Shape.normalizeAxis(a.getInt("axis"), rank);
                // Vectors over the axis, shaped [channels, 1, ...] to broadcast along it.
                Shape along = Resize.alongAxis(x.type().shape().dim(axis).size(), axis, rank);
                OpValue inv = b.one(Op.RSQRT, b.add(in.get(4), b.scalar(x, a.getFloat("epsilon"))));
                OpValue factor = b.reshape(b.mul(in.get(1), inv), along);
                OpValue centered = b.sub(x, b.reshape(in.get(3), along));
                yield b.add(b.mul(centered, factor), b.reshape(in.get(2), along));
            }
            case LAYER_NORM -> {
                int axis = Shape.normalizeAxis(a.getInt("axis"), rank);
                List<Integer> axes = new ArrayList<>();
                for (int d = axis; d < rank; d++) {
                    axes.add(d);
                }
                OpValue centered = b.sub(x, mean(b, x, axes));
                OpValue variance = mean(b, b.one(Op.SQUARE, centered), axes);
                OpValue inv = b.one(Op.RSQRT, b.add(variance, b.scalar(x, a.getFloat("epsilon"))));
                yield b.add(b.mul(b.mul(centered, inv), in.get(1)), in.get(2));
            }
            case RESIZE -> resize(a, x, b);
            default -> throw new IrException(op.mnemonic() + " is not a composite op");
        };
    }

    private static OpValue mean(OpBuilder b, OpValue x, List<Integer> axes) {
        return b.one(Op.REDUCE_MEAN, Attributes.builder()
                .putInts("axes", axes.stream().mapToLong(Integer::longValue).toArray()).put("keepdims", true).build(), x);
    }

    /** Each spatial dim in turn: a gather of the sampled positions, or two, weighted and added. */
    private static OpValue resize(Attributes a, OpValue x, OpBuilder b) {
        boolean last = WindowGeometry.channelsLast(a, IrException::new);
        int rank = x.type().rank();
        int[] sizes = Resize.sizes(a, rank - 2, IrException::new);
        DType dtype = x.type().dtype();
        for (int i = 0; i < sizes.length; i++) {
            int axis = last ? 1 + i : 2 + i;
            Resize.Sampling s = Resize.sampling(a, x.type().shape().dim(axis).size(), sizes[i], IrException::new);
            Attributes along = Attributes.builder().put("axis", (long) axis).build();
            OpValue low = b.one(Op.GATHER, along, x, b.constant(HostTensor.of(s.low(), s.low().length)));
            if (s.lowWeight() == null) {
                x = low;
                continue;
            }
            OpValue high = b.one(Op.GATHER, along, x, b.constant(HostTensor.of(s.high(), s.high().length)));
            Shape weights = Resize.alongAxis(sizes[i], axis, rank);
            x = b.add(b.mul(low, b.constant(weightTable(s.lowWeight(), dtype, weights))),
                    b.mul(high, b.constant(weightTable(s.highWeight(), dtype, weights))));
        }
        return x;
    }

    private static HostTensor weightTable(double[] weights, DType dtype, Shape shape) {
        HostTensor.Writer w = HostTensor.writer(dtype, shape.sizes());
        for (int i = 0; i < weights.length; i++) {
            w.setDouble(i, weights[i]);
        }
        return w.build();
    }

    /** The gradient rule of every composite: its expansion, recorded, then differentiated backwards. */
    static List<OpValue> gradient(Op op, GradientRule.Call c) {
        Backprop.Recorder recorder = new Backprop.Recorder(c.b());
        OpValue y = expand(op, c.attrs(), c.inputs(), recorder);
        Map<OpValue, OpValue> grads = new IdentityHashMap<>();
        grads.put(y, c.g());
        Backprop.run(c.b(), recorder.steps(), grads, v -> true);
        List<OpValue> result = new ArrayList<>();
        for (OpValue input : c.inputs()) {
            result.add(grads.get(input));
        }
        return result;
    }
}
