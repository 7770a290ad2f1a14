package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A stride-1 convolution on halo panels ({@code FloatMatmul.convolveStride1}) gives the same bits
 * as the product of its patch matrix (built here point by point, zeros in the padding) with the
 * filter, on one thread and on two: output rows that are not whole runs of eight points, filters
 * that are not whole panels, taps that straddle the product's 256-deep blocks, and few output
 * points (the threads then share the filter's panels instead of the rows).
 */
class SlidingConvolutionTest {
    @Test
    void haloPanelsSumAsThePatchMatrixProductDoes() {
        // images, h, w, channels, window h, window w, pad top, pad left, output h, output w, filters
        int[][] cases = {
            {1, 14, 14, 64, 3, 3, 1, 1, 14, 14, 96},
            {2, 16, 16, 96, 3, 3, 1, 1, 16, 16, 40},
            {1, 7, 7, 160, 3, 3, 1, 1, 7, 7, 256},
            {3, 9, 12, 32, 3, 5, 0, 2, 7, 12, 33},
            {1, 10, 10, 48, 2, 2, 0, 0, 9, 9, 64},
        };
        Random random = new Random(23);
        for (int[] c : cases) {
            int images = c[0], h = c[1], w = c[2], ch = c[3], kh = c[4], kw = c[5];
            int padTop = c[6], padLeft = c[7], oh = c[8], ow = c[9], filters = c[10];
            float[] x = MatmulKernelsTest.random(random, images * h * w * ch);
            float[] filter = MatmulKernelsTest.random(random, kh * kw * ch * filters);
            int rows = images * oh * ow;
            int depth = kh * kw * ch;
            float[] patches = new float[rows * depth];
            for (int r = 0; r < rows; r++) {
                int image = r / (oh * ow), oy = r / ow % oh, ox = r % ow;
                for (int ty = 0; ty < kh; ty++) {
                    for (int tx = 0; tx < kw; tx++) {
                        int iy = oy + ty - padTop, ix = ox + tx - padLeft;
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
            float[] panels = FloatMatmul.panels(b, false, filters, depth);
            for (int threads = 1; threads <= 2; threads++) {
                float[] out = new float[rows * filters];
                Arrays.fill(out, Float.NaN);
                int t = threads;
                KernelThreads.withThreads(t, () -> FloatMatmul.convolveStride1(x, images, h, w, ch, kh, kw, padTop,
                        padLeft, oh, ow, panels, filters, out, t));
                assertArrayEquals(expected, out, Arrays.toString(c) + " on " + threads + " threads");
            }
        }
    }
}
