package io.jitflow.passes;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds batch normalization at inference into the convolution before it: a per-output-channel
 * scale s after a conv with a constant filter W, {@code conv(x, W) * s}, becomes
 * {@code conv(x, W * s)}, and {@code (conv(x, W) + t) * s} becomes {@code conv(x, W * s) + t * s}
 * (the shift stays, as the conv's bias epilogue); a {@code batch_norm} with constant statistics
 * after the conv likewise, its scale {@code gamma / sqrt(variance + epsilon)}. Not exact: {@code W * s} is rounded once before
 * the sums instead of once after them, as TensorFlow's and ONNX Runtime's graph optimizers round
 * it; so this pass runs only when named ({@code jitflow opt --passes fold-batch-norm}), never in
 * the default pipeline, whose passes keep every result bit for bit.
 */
public final class FoldBatchNorm implements Pass {
    @Override
    public String name() {
        return "fold-batch-norm";
    }

    /**
     * A match: the conv, the nodes between it and the scaling node (the shift, or none), and per
     * output channel the scale that goes into the filter and the bias added after (or null).
     */
    private record Fold(Node conv, List<Node> between, HostTensor scale, HostTensor bias) {
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Constants constants = Constants.of(f);
        Map<Value, Node> definitions = new HashMap<>();
        Map<Value, Integer> uses = new HashMap<>();
        for (Node n : f.nodes()) {
            n.outputs().forEach(v -> definitions.put(v, n));
            n.inputs().forEach(v -> uses.merge(v, 1, Integer::sum));
        }
        f.outputs().forEach(o -> uses.merge(o.value(), 1, Integer::sum));
        Map<Node, Fold> folds = new HashMap<>();
        Map<Node, Node> folded = new HashMap<>();
        for (Node n : f.nodes()) {
            Fold fold = n.op() == Op.MUL ? match(n, constants, definitions, uses)
                    : n.op() == Op.BATCH_NORM ? matchBatchNorm(n, constants, definitions, uses) : null;
            if (fold != null) {
                folds.put(n, fold);
                folded.put(fold.conv(), n);
                fold.between().forEach(b -> folded.put(b, n));
            }
        }
        Rewriter r = new Rewriter(f, context, "bn");
        for (Node n : f.nodes()) {
            Fold fold = folds.get(n);
            if (fold == null) {
                if (!folded.containsKey(n)) {
                    r.keep(n);
                }
                continue;
            }
            Node conv = fold.conv();
            HostTensor filter = scaled(constants.get(conv.inputs().get(1)), fold.scale());
            Value w = r.emit(Op.CONSTANT, Attributes.builder().put("value", filter).build(), List.of(), conv.location());
            Value y = r.emit(Op.CONV, conv.attributes(), List.of(r.resolve(conv.inputs().get(0)), w), conv.location());
            if (fold.bias() != null) {
                HostTensor shift = fold.bias().reshape(biasShape(conv, fold.scale().size()));
                Value t = r.emit(Op.CONSTANT, Attributes.builder().put("value", shift).build(), List.of(), n.location());
                y = r.emit(Op.ADD, Attributes.empty(), List.of(y, t), n.location());
            }
            r.replace(n.output(), y);
        }
        return r.finish();
    }

    /** {@code mul} node {@code n} as a scale of a single-use conv (through a single-use shift), or null. */
    private static Fold match(Node n, Constants constants, Map<Value, Node> definitions, Map<Value, Integer> uses) {
        for (int side = 0; side < 2; side++) {
            Value scaled = n.inputs().get(side);
            Value scale = n.inputs().get(1 - side);
            Node d = definitions.get(scaled);
            if (!constants.isConstant(scale) || d == null || uses.get(scaled) != 1
                    || !n.output().type().equals(scaled.type())) {
                continue;
            }
            Node shift = null;
            HostTensor bias = null;
            if (d.op() == Op.ADD || d.op() == Op.SUB) {
                int convSide = definitions.containsKey(d.inputs().get(0))
                        && definitions.get(d.inputs().get(0)).op() == Op.CONV ? 0 : 1;
                if (d.op() == Op.SUB && convSide != 0) {
                    continue;
                }
                Value other = d.inputs().get(1 - convSide);
                Node conv = definitions.get(d.inputs().get(convSide));
                if (conv == null || conv.op() != Op.CONV || !constants.isConstant(other)
                        || uses.get(conv.output()) != 1 || !d.output().type().equals(conv.output().type())) {
                    continue;
                }
                bias = perChannel(constants.get(other), conv, d.op() == Op.SUB);
                shift = d;
                d = conv;
            }
            if (d.op() != Op.CONV || !constants.isConstant(d.inputs().get(1))) {
                continue;
            }
            HostTensor s = perChannel(constants.get(scale), d, false);
            if (s != null && shift == null) {
                return new Fold(d, List.of(), s, null);
            }
            if (s != null && bias != null) {
                return new Fold(d, List.of(shift), s, scaled(bias, s));
            }
        }
        return null;
    }

    /**
     * batch_norm node {@code n} with constant statistics, scale and offset along the channels of a
     * single-use conv with a constant filter: the filter scaled by {@code scale / sqrt(variance +
     * epsilon)}, the bias {@code offset - mean * that}; or null.
     */
    private static Fold matchBatchNorm(Node n, Constants constants, Map<Value, Node> definitions,
                                       Map<Value, Integer> uses) {
        Node conv = definitions.get(n.inputs().get(0));
        if (conv == null || conv.op() != Op.CONV || uses.get(conv.output()) != 1
                || !constants.isConstant(conv.inputs().get(1))
                || !n.inputs().subList(1, 5).stream().allMatch(constants::isConstant)) {
            return null;
        }
        boolean last = WindowGeometry.CHANNELS_LAST.equals(conv.attributes().getString("data_format"));
        int rank = conv.output().type().rank();
        if (io.jitflow.ir.Shape.normalizeAxis(n.attributes().getInt("axis"), rank) != (last ? rank - 1 : 1)) {
            return null;
        }
        HostTensor scale = constants.get(n.inputs().get(1));
        HostTensor offset = constants.get(n.inputs().get(2));
        HostTensor mean = constants.get(n.inputs().get(3));
        HostTensor variance = constants.get(n.inputs().get(4));
        double epsilon = n.attributes().getFloat("epsilon");
        HostTensor.Writer factor = HostTensor.writer(scale.dtype(), scale.shape());
        HostTensor.Writer bias = HostTensor.writer(scale.dtype(), scale.shape());
        for (int m = 0; m < scale.size(); m++) {
            double f = scale.getDouble(m) / Math.sqrt(variance.getDouble(m) + epsilon);
            factor.setDouble(m, f);
            bias.setDouble(m, offset.getDouble(m) - mean.getDouble(m) * f);
        }
        return new Fold(conv, List.of(), factor.build(), bias.build());
    }

    /**
     * {@code value} as one number per output channel of {@code conv} (negated if asked), when it
     * broadcasts over the conv's output and varies only along its channels; otherwise null.
     */
    private static HostTensor perChannel(HostTensor value, Node conv, boolean negate) {
        TensorType out = conv.output().type();
        boolean last = WindowGeometry.CHANNELS_LAST.equals(conv.attributes().getString("data_format"));
        int channelAxis = last ? out.rank() - 1 : 1;
        int channels = out.shape().dim(channelAxis).size();
        int offset = out.rank() - value.rank();
        if (offset < 0) {
            return null;
        }
        for (int d = 0; d < value.rank(); d++) {
            if (value.dim(d) != 1 && d + offset != channelAxis) {
                return null;
            }
        }
        boolean varies = value.rank() > channelAxis - offset && channelAxis - offset >= 0
                && value.dim(channelAxis - offset) == channels;
        HostTensor.Writer w = HostTensor.writer(value.dtype(), new int[] {channels});
        for (int m = 0; m < channels; m++) {
            double v = value.getDouble(varies ? m : 0);
            w.setDouble(m, negate ? -v : v);
        }
        return w.build();
    }

    /** A per-channel vector's shape broadcasting over {@code conv}'s output: [channels] or, channels first, [channels, 1...]. */
    private static int[] biasShape(Node conv, int channels) {
        boolean last = WindowGeometry.CHANNELS_LAST.equals(conv.attributes().getString("data_format"));
        int[] shape = new int[last ? 1 : conv.output().type().rank() - 1];
        java.util.Arrays.fill(shape, 1);
        shape[0] = channels;
        return shape;
    }

    /** {@code values} with every element along its last axis multiplied by that channel's scale. */
    private static HostTensor scaled(HostTensor values, HostTensor scale) {
        HostTensor.Writer w = HostTensor.writer(values.dtype(), values.shape());
        int channels = scale.size();
        for (int i = 0; i < values.size(); i++) {
            w.setDouble(i, values.getDouble(i) * scale.getDouble(i % channels));
        }
        return w.build();
    }

}
