package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A max pool's gradient writes every point of its output, whatever the buffer held before (buffers
 * are reused between calls): where the windows tile the input, each window's taps get its gradient
 * at the chosen tap and zero elsewhere; where some points lie in no window, those are zero too.
 */
class MaxPoolGradientTest {
    @Test
    void everyPointIsWrittenOverAStaleBuffer() {
        // input h, w, window (and stride), output h, w: windows that tile the input, and that leave a row and column out
        int[][] cases = {{8, 6, 2, 4, 3}, {9, 7, 2, 4, 3}};
        Random random = new Random(29);
        for (int[] c : cases) {
            int images = 3, channels = 37, h = c[0], w = c[1], k = c[2], oh = c[3], ow = c[4];
            int[] chosen = new int[images * oh * ow * channels];
            float[] dy = new float[chosen.length];
            for (int i = 0; i < chosen.length; i++) {
                chosen[i] = random.nextInt(k * k);
                dy[i] = random.nextInt(5) == 0 ? -0f : (float) random.nextGaussian();
            }
            float[] expected = new float[images * h * w * channels];
            for (int n = 0; n < images; n++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < channels; ch++) {
                            int at = ((n * oh + oy) * ow + ox) * channels + ch;
                            int y = oy * k + chosen[at] / k, x = ox * k + chosen[at] % k;
                            expected[((n * h + y) * w + x) * channels + ch] = dy[at] + 0f;
                        }
                    }
                }
            }
            float[] out = new float[expected.length];
            Arrays.fill(out, Float.NaN);
            ConvKernels.maxPoolGrad(chosen, new int[] {images, oh, ow, channels}, dy, new int[] {images, oh, ow, channels},
                    out, new int[] {images, h, w, channels}, new int[] {k, k}, new int[] {k, k}, new int[] {1, 1},
                    new int[] {0, 0});
            assertArrayEquals(expected, out, Arrays.toString(c));
        }
    }
}
