package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Convolutions without a patch matrix give the same bits as the product of their patch matrix
 * (built here point by point, zeros in the padding) with the filter, on one thread and on two:
 * on halo panels ({@code FloatMatmul.convolveStride1}: output rows that are not whole runs of eight
 * points, few output points, where the threads share the filter's panels instead of the rows) and
 * on groups of eight images ({@code FloatMatmul.convolveImageGroups}: strides, a last group of
 * fewer images, few groups, where the threads share each group's points); with filters that are
 * not whole panels and taps that straddle the product's 256-deep blocks.
 */
class SlidingConvolutionTest {
    /** Images, h, w, channels, window h, window w, pad top, pad left, output h, output w, filters, stride. */
    private static final int[][] SLIDING = {
        {1, 14, 14, 64, 3, 3, 1, 1, 14, 14, 96, 1},
        {2, 16, 16, 96, 3, 3, 1, 1, 16, 16, 40, 1},
        {1, 7, 7, 160, 3, 3, 1, 1, 7, 7, 256, 1},
        {3, 9, 12, 32, 3, 5, 0, 2, 7, 12, 33, 1},
        {1, 10, 10, 48, 2, 2, 0, 0, 9, 9, 64, 1},
        // one panel of filters: the filter is read as its own packed panel
        {1, 12, 12, 32, 3, 3, 1, 1, 12, 12, 32, 1},
    };
    private static final int[][] GROUPED = {
        {16, 13, 13, 32, 3, 3, 0, 0, 11, 11, 64, 1},
        {11, 9, 9, 40, 3, 3, 1, 1, 5, 5, 48, 2},
        {8, 6, 7, 96, 3, 3, 1, 1, 6, 7, 40, 1},
        {40, 5, 5, 24, 2, 2, 0, 0, 4, 4, 16, 1},
        {9, 7, 7, 32, 3, 3, 0, 0, 5, 5, 32, 1},
    };

    @Test
    void haloPanelsSumAsThePatchMatrixProductDoes() {
        check(SLIDING, (x, c, panels, out, threads) -> FloatMatmul.convolveStride1(x, c[0], c[1], c[2], c[3], c[4],
                c[5], c[6], c[7], c[8], c[9], panels, c[10], out, threads));
    }

    @Test
    void imageGroupsSumAsThePatchMatrixProductDoes() {
        check(GROUPED, (x, c, panels, out, threads) -> FloatMatmul.convolveImageGroups(x, c[0], c[1], c[2], c[3], c[4],
                c[5], c[11], c[11], c[6], c[7], c[8], c[9], panels, c[10], out, threads, RowEpilogue.NONE));
    }

    @FunctionalInterface
    private interface Convolution {
        void run(float[] x, int[] c, FloatMatmul.Panels panels, float[] out, int threads);
    }

    private static void check(int[][] cases, Convolution convolution) {
        Random random = new Random(23);
        for (int[] c : cases) {
            int images = c[0], h = c[1], w = c[2], ch = c[3], kh = c[4], kw = c[5];
            int padTop = c[6], padLeft = c[7], oh = c[8], ow = c[9], filters = c[10], stride = c[11];
            float[] x = MatmulKernelsTest.random(random, images * h * w * ch);
            float[] filter = MatmulKernelsTest.random(random, kh * kw * ch * filters);
            int rows = images * oh * ow;
            int depth = kh * kw * ch;
            float[] patches = new float[rows * depth];
            for (int r = 0; r < rows; r++) {
                int image = r / (oh * ow), oy = r / ow % oh, ox = r % ow;
                for (int ty = 0; ty < kh; ty++) {
                    for (int tx = 0; tx < kw; tx++) {
                        int iy = oy * stride + ty - padTop, ix = ox * stride + tx - padLeft;
                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                            System.arraycopy(x, ((image * h + iy) * w + ix) * ch, patches,
                                    r * depth + (ty * kw + tx) * ch, ch);
                        }
                    }
                }
            }
            FloatMatmul.Operand b = new FloatMatmul.Operand(filter, 0, false);
            float[] expected = new float[rows * filters];
            FloatMatmul.multiply(new FloatMatmul.Operand(patches, 0, false), b, false, expected, 0, rows, filters, depth,
                    1, RowEpilogue.NONE);
            FloatMatmul.Panels panels = FloatMatmul.panels(b, false, filters, depth, 1);
            for (int threads = 1; threads <= 2; threads++) {
                float[] out = new float[rows * filters];
                Arrays.fill(out, Float.NaN);
                int t = threads;
                KernelThreads.withThreads(t, () -> convolution.run(x, c, panels, out, t));
                assertArrayEquals(expected, out, Arrays.toString(c) + " on " + threads + " threads");
            }
        }
    }
}
