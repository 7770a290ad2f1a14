package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A float32 max pool on the Vector API folds each window's taps in row-major order from -inf with
 * Math.max, bit for bit (NaN wins, -0.0 is below 0.0): 2x2 windows inside the input (folded in
 * registers) and 3x3 windows partly in the padding (folded tap by tap), over channels that fill
 * vectors and leave a tail.
 */
class MaxPoolTest {
    @Test
    void windowsFoldTheirTapsInOrder() {
        // input h, w, window, stride, pad, output h, w
        int[][] cases = {{8, 6, 2, 2, 0, 4, 3}, {9, 7, 3, 2, 1, 5, 4}};
        float[] specials = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, 1f};
        Random random = new Random(31);
        for (int[] c : cases) {
            int images = 3, channels = 37, h = c[0], w = c[1], k = c[2], s = c[3], pad = c[4], oh = c[5], ow = c[6];
            float[] x = new float[images * h * w * channels];
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(4) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
            }
            float[] out = new float[images * oh * ow * channels];
            ConvKernels.pool(x, new int[] {images, h, w, channels}, out, new int[] {images, oh, ow, channels}, true, false,
                    new int[] {k, k}, new int[] {s, s}, new int[] {1, 1}, new int[] {pad, pad});
            for (int n = 0; n < images; n++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < channels; ch++) {
                            float m = Float.NEGATIVE_INFINITY;
                            for (int ty = 0; ty < k; ty++) {
                                for (int tx = 0; tx < k; tx++) {
                                    int iy = oy * s + ty - pad, ix = ox * s + tx - pad;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                        m = Math.max(m, x[((n * h + iy) * w + ix) * channels + ch]);
                                    }
                                }
                            }
                            int at = ((n * oh + oy) * ow + ox) * channels + ch;
                            assertEquals(Float.floatToIntBits(m), Float.floatToIntBits(out[at]),
                                    Arrays.toString(c) + " element " + at + ": " + m + " against " + out[at]);
                        }
                    }
                }
            }
        }
    }
}
