package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.Arrays;
import java.util.List;

/**
 * Convolution and its transpose over 1 to 3 spatial dims (see {@link WindowGeometry} for the
 * window attributes). The filter is laid out spatial dims first whatever the data format, as in
 * TensorFlow: {@code [k..., in_channels / groups, out_channels]} for conv and
 * {@code [k..., out_channels / groups, in_channels]} for conv_transpose (Keras's Conv2DTranspose
 * kernel). Products are taken and summed in float64 (padding contributes zeros), taps in row-major
 * order and then the group's channels, and the sum is rounded once to the dtype.
 */
public final class Convolution {
    private Convolution() {
    }

    /**
     * conv(x, w) {strides, dilations, pads, data_format, groups}: out[n, o, g * M/G + m] = sum over taps
     * k and channels c of group g of x[n, o * stride + k * dilation - lo, g * C/G + c] * w[k, c, g * M/G + m].
     */
    public static OpDef conv() {
        return convolution(false);
    }

    /**
     * conv_transpose(x, w) {strides, dilations, pads, output_padding, data_format, groups}: the
     * transpose of conv (its gradient with respect to conv's input): out[n, p, g * M/G + m] = sum over
     * taps k and channels c of group g of x[n, i, g * C/G + c] * w[k, m, g * C/G + c], over the i with
     * i * stride + k * dilation - lo = p. The output has {@code (in - 1) * stride + dilation * (k - 1) + 1
     * - lo - hi + output_padding} elements per spatial dim.
     */
    public static OpDef convTranspose() {
        return convolution(true);
    }

    private static OpDef convolution(boolean transposed) {
        OpDef.Builder b = WindowGeometry.attributes(OpDef.builder().operands(2));
        if (transposed) {
            b.attr(AttrSpec.optional("output_padding", Attr.Kind.INTS));
        }
        return b.attr(AttrSpec.withDefault("groups", new Attr.IntAttr(1)))
                .infer(c -> {
                    Signature s = Signature.of(c, transposed);
                    WindowGeometry g = geometry(c.attrs(), s.spatial, s.window, transposed, c::error);
                    return List.of(c.operand(0).withShape(WindowGeometry.activation(s.batch,
                            transposed ? g.input() : g.output(), s.outChannels, g.channelsLast())));
                })
                .evaluate(c -> List.of(evaluate(c, transposed))).build();
    }

    /** conv's geometry, or the geometry of the conv that a conv_transpose transposes. */
    private static WindowGeometry geometry(io.jitflow.ir.Attributes a, int[] spatial, int[] window, boolean transposed,
                                           java.util.function.Function<String, RuntimeException> error) {
        return transposed ? WindowGeometry.transposed(a, spatial, window, error) : WindowGeometry.of(a, spatial, window, error);
    }

    /** The reference loops: each output point and channel sums its taps, then its group's channels, in float64. */
    private static HostTensor evaluate(EvalCall c, boolean transposed) {
        HostTensor x = c.operand(0);
        HostTensor w = c.operand(1);
        boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
        int[] xSpatial = WindowGeometry.spatial(x.shape(), last);
        WindowGeometry g = geometry(c.attrs(), xSpatial, Arrays.copyOf(w.shape(), w.rank() - 2), transposed, c::error);
        int[] outSpatial = transposed ? g.input() : g.output();
        int groups = (int) c.attrs().getInt("groups");
        int batch = x.dim(0);
        int inChannels = x.dim(last ? x.rank() - 1 : 1);
        int groupIn = inChannels / groups;
        int outChannels = transposed ? w.dim(w.rank() - 2) * groups : w.dim(w.rank() - 1);
        int groupOut = outChannels / groups;
        HostTensor.Writer out = HostTensor.writer(x.dtype(),
                WindowGeometry.activation(Dim.of(batch), outSpatial, Dim.of(outChannels), last).sizes());
        int[] source = new int[g.rank()];
        for (int n = 0; n < batch; n++) {
            int image = n;
            WindowGeometry.forEachPoint(outSpatial, o -> {
                for (int m = 0; m < outChannels; m++) {
                    int firstIn = m / groupOut * groupIn;
                    int channel = m;
                    double[] sum = {0};
                    int[] tap = {0};
                    WindowGeometry.forEachPoint(g.window(), k -> {
                        boolean inside = true;
                        for (int i = 0; i < g.rank(); i++) {
                            source[i] = transposed ? g.outputAt(i, o[i], k[i]) : g.inputAt(i, o[i], k[i]);
                            inside &= source[i] >= 0;
                        }
                        for (int ci = 0; ci < groupIn; ci++) {
                            double xv = inside ? x.getDouble(WindowGeometry.flatIndex(last, xSpatial, inChannels, image,
                                    source, firstIn + ci)) : 0;
                            int filterAt = transposed ? (tap[0] * groupOut + channel % groupOut) * inChannels + firstIn + ci
                                    : (tap[0] * groupIn + ci) * outChannels + channel;
                            sum[0] += xv * w.getDouble(filterAt);
                        }
                        tap[0]++;
                    });
                    out.setDouble(WindowGeometry.flatIndex(last, outSpatial, outChannels, image, o, m), sum[0]);
                }
            });
        }
        return out.build();
    }

    /** What conv and conv_transpose check of their operands: dtypes, ranks, channels and groups. */
    private record Signature(Dim batch, int[] spatial, int[] window, Dim outChannels) {
        static Signature of(InferCall c, boolean transposed) {
            c.commonDType();
            int[] spatial = WindowGeometry.checkedSpatial(c);
            TensorType x = c.operand(0);
            TensorType w = c.operand(1);
            if (w.rank() != x.rank()) {
                throw c.error("the filter must have the input's rank " + x.rank() + " (spatial dims, then "
                        + (transposed ? "output channels per group, input channels" : "input channels per group, output channels")
                        + "), got " + w);
            }
            boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
            long groups = c.attrs().getInt("groups");
            if (groups < 1) {
                throw c.error("groups must be >= 1, got " + groups);
            }
            Shape xs = x.shape();
            Shape ws = w.shape();
            Dim channels = xs.dim(last ? xs.rank() - 1 : 1);
            Dim filterIn = ws.dim(ws.rank() - (transposed ? 1 : 2));
            Dim filterOut = ws.dim(ws.rank() - (transposed ? 2 : 1));
            int[] window = new int[ws.rank() - 2];
            for (int i = 0; i < window.length; i++) {
                if (!ws.dim(i).isStatic()) {
                    throw c.error("the filter's spatial dims must be static, got " + w);
                }
                window[i] = ws.dim(i).size();
            }
            Dim outChannels = filterOut;
            if (groups > 1) {
                if (!channels.isStatic() || !filterIn.isStatic() || !filterOut.isStatic()) {
                    throw c.error("with groups, the channel dims must be static, got " + c.describeOperands());
                }
                // conv's output channels, conv_transpose's input channels, are split among the groups.
                Dim split = transposed ? filterIn : filterOut;
                if (channels.size() % groups != 0 || split.size() % groups != 0) {
                    throw c.error("the input's " + channels + " channels and the filter's " + split
                            + " channels must both divide into " + groups + " groups, got " + c.describeOperands());
                }
                if (!transposed && filterIn.size() * groups != channels.size()) {
                    throw c.error("the filter " + w + " takes " + filterIn + " input channels per group, expected "
                            + channels.size() / groups + " (" + x + " has " + channels + " channels in " + groups
                            + " groups)");
                }
                outChannels = transposed ? Dim.of(filterOut.size() * (int) groups) : filterOut;
            }
            if ((groups == 1 || transposed) && !filterIn.equals(channels)) {
                throw c.error("the filter " + w + " takes " + filterIn + " input channels, expected " + channels
                        + " (the channels of " + x + ")");
            }
            return new Signature(xs.dim(0), spatial, window, outChannels);
        }
    }
}
