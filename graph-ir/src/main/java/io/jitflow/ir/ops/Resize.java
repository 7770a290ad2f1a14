package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * resize(x) {sizes, mode, coordinate_transformation, data_format}: x's spatial dims resampled to
 * {@code sizes}, one spatial dim after another (a composite op: each step is gathers, and for
 * bilinear two gathers weighted and added, as its expansion computes them). Output position o of a
 * dim of input size n and output size m reads source coordinate {@code o * n / m}
 * ({@code "asymmetric"}, Keras's UpSampling2D), {@code (o + 0.5) * n / m - 0.5} ({@code "half_pixel"},
 * the default, as TensorFlow 2 and ONNX) or {@code o * (n - 1) / (m - 1)} ({@code "align_corners"}).
 * {@code "nearest"} takes the element at floor(coordinate), plus 0.5 but for asymmetric; {@code
 * "bilinear"} weights the two elements around the coordinate (clamped into the input) by
 * distance. Sums round to the dtype after each product and each add.
 */
public final class Resize {
    public static final String NEAREST = "nearest";
    public static final String BILINEAR = "bilinear";

    private Resize() {
    }

    /** Where output positions read along one spatial dim: index tables, and bilinear weights (else null). */
    public record Sampling(int[] low, int[] high, double[] lowWeight, double[] highWeight) {
    }

    public static OpDef resize() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("sizes", Attr.Kind.INTS))
                .attr(AttrSpec.withDefault("mode", new Attr.StringAttr(NEAREST)))
                .attr(AttrSpec.withDefault("coordinate_transformation", new Attr.StringAttr("half_pixel")))
                .attr(AttrSpec.withDefault("data_format", new Attr.StringAttr(WindowGeometry.CHANNELS_LAST)))
                .infer(c -> {
                    int[] spatial = WindowGeometry.checkedSpatial(c);
                    TensorType x = c.operand(0);
                    boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
                    int[] sizes = sizes(c.attrs(), spatial.length, c::error);
                    for (int i = 0; i < spatial.length; i++) {
                        sampling(c.attrs(), spatial[i], sizes[i], c::error);
                    }
                    return List.of(x.withShape(WindowGeometry.activation(x.shape().dim(0), sizes,
                            x.shape().dim(last ? x.rank() - 1 : 1), last)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
                    int[] spatial = WindowGeometry.spatial(x.shape(), last);
                    int[] sizes = sizes(c.attrs(), spatial.length, c::error);
                    for (int i = 0; i < spatial.length; i++) {
                        x = resample(x, last ? 1 + i : 2 + i, sampling(c.attrs(), spatial[i], sizes[i], c::error));
                    }
                    return List.of(x);
                }).build();
    }

    /** {@code x} resampled along {@code axis} by {@code s}. */
    private static HostTensor resample(HostTensor x, int axis, Sampling s) {
        int[] shape = x.shape().clone();
        int in = shape[axis];
        shape[axis] = s.low().length;
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        HostTensor.Writer out = HostTensor.writer(x.dtype(), shape);
        int count = Shape.checkedElementCount(shape);
        DType t = x.dtype();
        for (int i = 0; i < count; i++) {
            int o = i / inner % s.low().length;
            int base = (i / inner / s.low().length * in) * inner + i % inner;
            double low = x.getDouble(base + s.low()[o] * inner);
            if (s.lowWeight() == null) {
                out.setDouble(i, low);
            } else {
                double high = x.getDouble(base + s.high()[o] * inner);
                out.setDouble(i, Normalization.round(t, Normalization.round(t, low * Normalization.round(t, s.lowWeight()[o]))
                        + Normalization.round(t, high * Normalization.round(t, s.highWeight()[o]))));
            }
        }
        return out.build();
    }

    /** How output positions of a dim of size {@code out} read an input dim of size {@code in}. */
    public static Sampling sampling(Attributes a, int in, int out, Function<String, RuntimeException> error) {
        String mode = a.getString("mode");
        String transform = a.getString("coordinate_transformation");
        if (!mode.equals(NEAREST) && !mode.equals(BILINEAR)) {
            throw error.apply("mode must be \"nearest\" or \"bilinear\", got \"" + mode + "\"");
        }
        if (!List.of("asymmetric", "half_pixel", "align_corners").contains(transform)) {
            throw error.apply("coordinate_transformation must be \"asymmetric\", \"half_pixel\" or \"align_corners\", got \""
                    + transform + "\"");
        }
        int[] low = new int[out];
        int[] high = new int[out];
        double[] lowWeight = mode.equals(BILINEAR) ? new double[out] : null;
        double[] highWeight = mode.equals(BILINEAR) ? new double[out] : null;
        for (int o = 0; o < out; o++) {
            double source = switch (transform) {
                case "asymmetric" -> (double) o * in / out;
                case "half_pixel" -> (o + 0.5) * in / out - 0.5;
                default -> out == 1 ? 0 : (double) o * (in - 1) / (out - 1);
            };
            if (lowWeight == null) {
                double nearest = Math.floor(transform.equals("asymmetric") ? source : source + 0.5);
                low[o] = (int) Math.max(0, Math.min(in - 1, nearest));
                high[o] = low[o];
            } else {
                double clamped = Math.max(source, 0);
                low[o] = (int) Math.min(Math.floor(clamped), in - 1);
                high[o] = Math.min(low[o] + 1, in - 1);
                // Past the last element both taps are it: all the weight on one, so the value stays exact.
                highWeight[o] = high[o] == low[o] ? 0 : clamped - low[o];
                lowWeight[o] = 1 - highWeight[o];
            }
        }
        return new Sampling(low, high, lowWeight, highWeight);
    }

    /** The sizes attribute: one positive output size per spatial dim. */
    public static int[] sizes(Attributes a, int rank, Function<String, RuntimeException> error) {
        long[] given = a.getInts("sizes");
        if (given.length != rank) {
            throw error.apply("sizes needs one entry per spatial dim (" + rank + "), got " + Arrays.toString(given));
        }
        int[] sizes = new int[rank];
        for (int i = 0; i < rank; i++) {
            if (given[i] < 1 || given[i] > 1 << 24) {
                throw error.apply("sizes must be in [1, 2^24], got " + Arrays.toString(given));
            }
            sizes[i] = (int) given[i];
        }
        return sizes;
    }

    /** The dims of a per-position table along {@code axis} of a rank-{@code rank} tensor: [n, 1, ...]. */
    public static Shape alongAxis(int n, int axis, int rank) {
        List<Dim> dims = new ArrayList<>();
        dims.add(Dim.of(n));
        for (int d = axis + 1; d < rank; d++) {
            dims.add(Dim.of(1));
        }
        return Shape.of(dims);
    }
}
