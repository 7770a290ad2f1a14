package io.jitflow.ir;

import static io.jitflow.ir.OpHarness.assertClose;
import static io.jitflow.ir.OpHarness.assertShape;
import static io.jitflow.ir.OpHarness.attrs;
import static io.jitflow.ir.OpHarness.eval;
import static io.jitflow.ir.OpHarness.f64;
import static io.jitflow.ir.OpHarness.infer;
import static io.jitflow.ir.OpHarness.shaped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.ops.WindowGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Convolution and pooling semantics, checked by hand on small cases and by the adjoint identity. */
class WindowOpsTest {
    private static final HostTensor X4 = shaped(f64(1, 2, 3, 4), 1, 4, 1);
    private static final HostTensor W2 = shaped(f64(1, 10), 2, 1, 1);

    @Test
    void conv1dWithStridesDilationsAndPads() {
        assertClose(eval(Op.CONV, Attributes.empty(), X4, W2), 21, 32, 43);
        assertClose(eval(Op.CONV, attrs().putInts("pads", 1, 0).build(), X4, W2), 10, 21, 32, 43);
        assertClose(eval(Op.CONV, attrs().putInts("strides", 2).build(), X4, W2), 21, 43);
        assertClose(eval(Op.CONV, attrs().putInts("dilations", 2).build(), X4, W2), 31, 42);
        assertClose(eval(Op.CONV, attrs().putInts("pads", 1, 1).putInts("strides", 3).build(), X4, W2), 10, 43);
    }

    @Test
    void conv2dSumsOverTapsAndChannels() {
        // x 1x2x2x2 (channels last), w 2x2x2x1: every tap times channel 0 plus 10x channel 1.
        HostTensor x = shaped(f64(1, 2, 3, 4, 5, 6, 7, 8), 1, 2, 2, 2);
        HostTensor w = shaped(f64(1, 10, 1, 10, 1, 10, 1, 10), 2, 2, 2, 1);
        HostTensor y = eval(Op.CONV, Attributes.empty(), x, w);
        assertShape(y, DType.FLOAT64, 1, 1, 1, 1);
        assertClose(y, (1 + 3 + 5 + 7) + 10 * (2 + 4 + 6 + 8));
        // The same numbers channels first: x becomes [1, 2, 2, 2] with channel 0 = 1, 3, 5, 7.
        HostTensor xf = shaped(f64(1, 3, 5, 7, 2, 4, 6, 8), 1, 2, 2, 2);
        assertClose(eval(Op.CONV, attrs().put("data_format", "channels_first").build(), xf, w), 16 + 200);
    }

    @Test
    void groupsConvolveTheirOwnChannels() {
        HostTensor x = shaped(f64(1, 2, 3, 4), 1, 1, 1, 4);
        HostTensor w = shaped(f64(1, 100, 10, 1000), 1, 1, 2, 2);
        // Output 0 reads channels 0-1 with w[:, 0]; output 1 reads channels 2-3 with w[:, 1].
        assertClose(eval(Op.CONV, attrs().put("groups", 2L).build(), x, w), 1 + 20, 300 + 4000);
        // Depthwise: four groups of one channel, two outputs each.
        HostTensor dw = shaped(f64(1, 2, 3, 4, 5, 6, 7, 8), 1, 1, 1, 8);
        assertClose(eval(Op.CONV, attrs().put("groups", 4L).build(), x, dw), 1, 2, 6, 8, 15, 18, 28, 32);
    }

    @Test
    void convTransposeScattersEachInputThroughTheFilter() {
        HostTensor x = shaped(f64(1, 2), 1, 2, 1);
        assertClose(eval(Op.CONV_TRANSPOSE, attrs().putInts("strides", 2).build(), x, W2), 1, 10, 2, 20);
        assertClose(eval(Op.CONV_TRANSPOSE, Attributes.empty(), x, W2), 1, 12, 20);
        assertClose(eval(Op.CONV_TRANSPOSE, attrs().putInts("strides", 2).putInts("output_padding", 1).build(), x, W2),
                1, 10, 2, 20, 0);
        assertClose(eval(Op.CONV_TRANSPOSE, attrs().putInts("strides", 2).putInts("pads", 1, 0).build(), x, W2),
                10, 2, 20);
    }

    /** conv_transpose is conv's adjoint: <conv(x, w), y> = <x, conv_transpose(y, w)> for every window. */
    @Test
    void convTransposeIsTheAdjointOfConv() {
        Random random = new Random(7);
        Attributes[] windows = {
            attrs().build(),
            attrs().putInts("strides", 2, 3).putInts("pads", 1, 0, 2, 1).build(),
            attrs().putInts("dilations", 2, 1).putInts("pads", 0, 1, 1, 1).put("groups", 2L).build(),
            attrs().putInts("strides", 2, 1).put("data_format", "channels_first").put("groups", 2L).build(),
        };
        for (Attributes a : windows) {
            boolean last = !a.has("data_format");
            HostTensor x = random(random, last ? new int[] {2, 7, 6, 4} : new int[] {2, 4, 7, 6});
            HostTensor w = random(random, 3, 2, a.has("groups") ? 2 : 4, 6);
            HostTensor y = eval(Op.CONV, a, x, w);
            HostTensor dy = random(random, y.shape());
            int[] spatial = WindowGeometry.spatial(x.shape(), last);
            WindowGeometry g = WindowGeometry.of(NodeFactory.complete(Op.CONV, a), spatial, new int[] {3, 2},
                    IrException::new);
            long[] outputPadding = new long[2];
            for (int i = 0; i < 2; i++) {
                outputPadding[i] = spatial[i] - ((long) (g.output()[i] - 1) * g.strides()[i] + g.extent(i)
                        - g.padLo()[i] - g.padHi()[i]);
            }
            Attributes.Builder t = attrs();
            a.asMap().forEach(t::put);
            HostTensor dx = eval(Op.CONV_TRANSPOSE, t.putInts("output_padding", outputPadding).build(), dy, w);
            assertShape(dx, DType.FLOAT64, x.shape());
            assertEquals(dot(y, dy), dot(x, dx), 1e-9 * Math.abs(dot(y, dy)), a.toString());
        }
    }

    @Test
    void maxPoolTakesTheLargestTapAndPaddingNeverWins() {
        HostTensor x = shaped(f64(1, 5, 2, 0, 3, 4, 8, 6), 1, 2, 4, 1);
        assertClose(eval(Op.MAX_POOL, attrs().putInts("window", 2, 2).putInts("strides", 2, 2).build(), x), 5, 8);
        HostTensor negative = shaped(f64(-3, -1, -2), 1, 3, 1);
        assertClose(eval(Op.MAX_POOL, attrs().putInts("window", 2).putInts("pads", 1, 1).build(), negative),
                -3, -1, -1, -2);
        assertClose(eval(Op.MAX_POOL, attrs().putInts("window", 2).build(), shaped(f64(1, Double.NaN, 0), 1, 3, 1)),
                Double.NaN, Double.NaN);
        assertClose(eval(Op.MAX_POOL, attrs().putInts("window", 2).putInts("dilations", 2).build(), X4), 3, 4);
    }

    @Test
    void avgPoolCountsPaddingOnlyWhenAsked() {
        HostTensor x = shaped(f64(1, 2, 3), 1, 3, 1);
        Attributes.Builder a = attrs().putInts("window", 2).putInts("pads", 1, 0);
        assertClose(eval(Op.AVG_POOL, a.build(), x), 1, 1.5, 2.5);
        assertClose(eval(Op.AVG_POOL, a.put("count_include_pad", true).build(), x), 0.5, 1.5, 2.5);
        HostTensor image = shaped(f64(1, 2, 3, 4, 5, 6, 7, 8), 1, 2, 2, 2);
        assertClose(eval(Op.AVG_POOL, attrs().putInts("window", 2, 2).build(), image), 4, 5);
    }

    @Test
    void maxPoolGradientGoesToTheFirstLargestTap() {
        HostTensor x = shaped(f64(1, 3, 3, 2), 1, 4, 1);
        HostTensor dy = shaped(f64(1, 10, 100), 1, 3, 1);
        assertClose(eval(Op.MAX_POOL_GRAD, attrs().putInts("window", 2).build(), x, dy), 0, 11, 100, 0);
        HostTensor strided = shaped(f64(1, 10), 1, 2, 1);
        assertClose(eval(Op.MAX_POOL_GRAD, attrs().putInts("window", 2).putInts("strides", 2).build(), x, strided),
                0, 1, 10, 0);
    }

    @Test
    void maxPoolSelectReadsTheSecondOperandWhereTheFirstPeaks() {
        HostTensor x = shaped(f64(1, 3, 3, 2), 1, 4, 1);
        HostTensor z = shaped(f64(10, 20, 30, 40), 1, 4, 1);
        assertClose(eval(Op.MAX_POOL_SELECT, attrs().putInts("window", 2).build(), x, z), 20, 20, 30);
        // A window whose first largest tap is padding selects 0.
        HostTensor low = shaped(f64(Double.NEGATIVE_INFINITY, 1), 1, 2, 1);
        assertClose(eval(Op.MAX_POOL_SELECT, attrs().putInts("window", 2).putInts("pads", 1, 0).build(), low,
                shaped(f64(5, 6), 1, 2, 1)), 0, 6);
    }

    @Test
    void inferenceNamesWhatIsWrong() {
        TensorType x = TensorType.of(DType.FLOAT32, 8, 28, 28, 3);
        assertEquals(TensorType.of(DType.FLOAT32, 8, 13, 13, 16), infer(Op.CONV, attrs().putInts("strides", 2, 2).build(),
                x, TensorType.of(DType.FLOAT32, 3, 3, 3, 16)));
        assertEquals(TensorType.of(DType.FLOAT32, 8, 56, 56, 3), infer(Op.CONV_TRANSPOSE,
                attrs().putInts("strides", 2, 2).putInts("pads", 1, 1, 1, 1).build(),
                x, TensorType.of(DType.FLOAT32, 4, 4, 3, 3)));
        assertError("conv: the filter float32[3, 3, 4, 16] takes 4 input channels, expected 3 (the channels of float32[8, 28, 28, 3])",
                Op.CONV, Attributes.empty(), x, TensorType.of(DType.FLOAT32, 3, 3, 4, 16));
        assertError("conv: the window spans 30 along spatial dim 0, more than the 28 of the padded input [28, 28]",
                Op.CONV, Attributes.empty(), x, TensorType.of(DType.FLOAT32, 30, 3, 3, 16));
        assertError("conv: strides needs one entry per spatial dim (2), got [2]", Op.CONV,
                attrs().putInts("strides", 2).build(), x, TensorType.of(DType.FLOAT32, 3, 3, 3, 16));
        assertError("max_pool: data_format must be \"channels_last\" or \"channels_first\", got \"NHWC\"", Op.MAX_POOL,
                attrs().putInts("window", 2, 2).put("data_format", "NHWC").build(), x);
        assertError("max_pool_grad: the gradient must have the pooled type float32[8, 14, 14, 3], got float32[8, 28, 28, 3]",
                Op.MAX_POOL_GRAD, attrs().putInts("window", 2, 2).putInts("strides", 2, 2).build(), x, x);
        // Sizes that overflow 32 bits are refused, not wrapped into a plausible shape.
        assertError("conv: the window would span 3144679425 elements along spatial dim 0 (3000 taps, dilation 1048576)",
                Op.CONV, attrs().putInts("dilations", 1048576).build(), TensorType.of(DType.FLOAT32, 1, 8, 3),
                TensorType.of(DType.FLOAT32, 3000, 3, 2));
        assertError("conv_transpose: output_padding must be in [0, stride)", Op.CONV_TRANSPOSE,
                attrs().putInts("output_padding", 1, 0).build(), x, TensorType.of(DType.FLOAT32, 3, 3, 3, 3));
    }

    private static void assertError(String message, Op op, Attributes a, TensorType... operands) {
        OpTypeException e = assertThrows(OpTypeException.class, () -> infer(op, a, operands));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    private static HostTensor random(Random random, int... shape) {
        HostTensor.Writer w = HostTensor.writer(DType.FLOAT64, shape);
        for (int i = 0; i < Shape.checkedElementCount(shape); i++) {
            w.setDouble(i, random.nextGaussian());
        }
        return w.build();
    }

    private static double dot(HostTensor a, HostTensor b) {
        double sum = 0;
        for (int i = 0; i < a.size(); i++) {
            sum += a.getDouble(i) * b.getDouble(i);
        }
        return sum;
    }
}
