package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Float16;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.List;

/**
 * Batch and layer normalization. Both are composite ops: fusion computes them as the elementwise
 * ops and reductions of their expansion ({@code grad.Composites}), and their reference loops
 * below round to the dtype after each of those steps, in the same order, so a compiled result is
 * the reference's bit for bit.
 */
public final class Normalization {
    private Normalization() {
    }

    /**
     * batch_norm(x, scale, offset, mean, variance) {axis = -1, epsilon = 0.001}: x normalized along
     * {@code axis} by the given statistics (inference form; training normalizes by the batch's
     * moments, computed by reductions before it): {@code (x - mean) * (scale * rsqrt(variance +
     * epsilon)) + offset}, each a vector over that axis.
     */
    public static OpDef batchNorm() {
        return normalization(5)
                .infer(c -> {
                    TensorType x = checkedInput(c);
                    Dim channels = x.shape().dim(c.axis(c.attrs().getInt("axis"), x.rank()));
                    for (int i = 1; i < 5; i++) {
                        if (!c.operand(i).shape().equals(Shape.of(channels))) {
                            throw c.error("scale, offset, mean and variance must be vectors of the " + channels
                                    + " channels of axis " + c.attrs().getInt("axis") + " of " + x + ", got "
                                    + c.describeOperands());
                        }
                    }
                    return List.of(x);
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    DType t = x.dtype();
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), x.rank());
                    int channels = x.dim(axis);
                    int inner = 1;
                    for (int d = axis + 1; d < x.rank(); d++) {
                        inner *= x.dim(d);
                    }
                    double epsilon = round(t, c.attrs().getFloat("epsilon"));
                    double[] factor = new double[channels];
                    for (int ch = 0; ch < channels; ch++) {
                        double inv = round(t, 1 / Math.sqrt(round(t, c.operand(4).getDouble(ch) + epsilon)));
                        factor[ch] = round(t, c.operand(1).getDouble(ch) * inv);
                    }
                    HostTensor.Writer y = HostTensor.writer(t, x.shape());
                    for (int i = 0; i < x.size(); i++) {
                        int ch = i / inner % channels;
                        double centered = round(t, x.getDouble(i) - c.operand(3).getDouble(ch));
                        y.setDouble(i, round(t, centered * factor[ch]) + c.operand(2).getDouble(ch));
                    }
                    return List.of(y.build());
                }).build();
    }

    /**
     * layer_norm(x, scale, offset) {axis = -1, epsilon = 0.001}: each row of x over the axes from
     * {@code axis} to the last normalized by its own mean and variance (sums in float64), then
     * scaled and shifted elementwise: {@code (x - mean) * rsqrt(variance + epsilon) * scale +
     * offset}, scale and offset shaped as those axes.
     */
    public static OpDef layerNorm() {
        return normalization(3)
                .infer(c -> {
                    TensorType x = checkedInput(c);
                    int axis = c.axis(c.attrs().getInt("axis"), x.rank());
                    Shape normalized = Shape.of(x.shape().dims().subList(axis, x.rank()));
                    if (!c.operand(1).shape().equals(normalized) || !c.operand(2).shape().equals(normalized)) {
                        throw c.error("scale and offset must have the normalized axes' shape " + normalized + ", got "
                                + c.describeOperands());
                    }
                    return List.of(x);
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    DType t = x.dtype();
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), x.rank());
                    int row = c.operand(1).size();
                    double epsilon = round(t, c.attrs().getFloat("epsilon"));
                    HostTensor.Writer y = HostTensor.writer(t, x.shape());
                    double[] centered = new double[row];
                    for (int start = 0; start < x.size(); start += row) {
                        double sum = 0;
                        for (int j = 0; j < row; j++) {
                            sum += x.getDouble(start + j);
                        }
                        double mean = round(t, sum / row);
                        double squares = 0;
                        for (int j = 0; j < row; j++) {
                            centered[j] = round(t, x.getDouble(start + j) - mean);
                            squares += round(t, centered[j] * centered[j]);
                        }
                        double inv = round(t, 1 / Math.sqrt(round(t, round(t, squares / row) + epsilon)));
                        for (int j = 0; j < row; j++) {
                            double scaled = round(t, round(t, centered[j] * inv) * c.operand(1).getDouble(j));
                            y.setDouble(start + j, scaled + c.operand(2).getDouble(j));
                        }
                    }
                    return List.of(y.build());
                }).build();
    }

    /** A normalization's definition so far: its operands and its axis and epsilon. */
    private static OpDef.Builder normalization(int operands) {
        return OpDef.builder().operands(operands)
                .attr(AttrSpec.withDefault("axis", new Attr.IntAttr(-1)))
                .attr(AttrSpec.withDefault("epsilon", new Attr.FloatAttr(0.001)));
    }

    /** The input, checked: every operand of its floating dtype, and at least one dim to normalize. */
    private static TensorType checkedInput(io.jitflow.ir.InferCall c) {
        c.commonDType();
        c.requireKind(0, DType.Kind.FLOAT);
        TensorType x = c.operand(0);
        if (x.rank() < 1) {
            throw c.error("the input must have rank >= 1, got " + x);
        }
        return x;
    }

    /** {@code v} rounded to the floating dtype {@code t}, as storing it there would. */
    static double round(DType t, double v) {
        return switch (t) {
            case FLOAT16 -> Float16.toFloat(Float16.fromDouble(v));
            case FLOAT32 -> (float) v;
            default -> v;
        };
    }
}
