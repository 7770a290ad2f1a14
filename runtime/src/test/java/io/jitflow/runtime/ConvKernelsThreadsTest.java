package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Convolutions on the Vector API give the same bits on one thread and on two, whichever way their
 * work is shared: by blocks of output points, by rows of the whole patch matrix, or by chunks of
 * depth (a filter gradient: 9 output points, 86,528 deep), or on the input's halo panels; and they
 * match a float64 direct convolution within float32 rounding.
 */
class ConvKernelsThreadsTest {
    @Test
    void oneThreadAndTwoGiveTheSameBits() {
        // x, w, out shapes (channels last): a first conv's filter gradient, a second one's, a plain conv.
        int[][][] cases = {
            {{1, 28, 28, 128}, {26, 26, 128, 32}, {1, 3, 3, 32}},
            {{32, 13, 13, 128}, {11, 11, 128, 64}, {32, 3, 3, 64}},
            {{8, 20, 20, 16}, {3, 3, 16, 24}, {8, 18, 18, 24}},
            // few rows of many channels: on halo panels (FloatMatmul.convolveStride1)
            {{2, 16, 16, 64}, {3, 3, 64, 40}, {2, 14, 14, 40}},
        };
        Random random = new Random(17);
        for (int[][] c : cases) {
            float[] x = MatmulKernelsTest.random(random, size(c[0]));
            float[] w = MatmulKernelsTest.random(random, size(c[1]));
            float[] one = conv(x, w, c, 1);
            float[] two = conv(x, w, c, 2);
            String name = java.util.Arrays.deepToString(c);
            assertArrayEquals(one, two, name);
            double[] expected = direct(x, w, c);
            int depth = c[1][0] * c[1][1] * c[1][2];
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], one[i], depth * 0x1p-23 * 4, name + " element " + i);
            }
        }
    }

    private static float[] conv(float[] x, float[] w, int[][] c, int threads) {
        float[] out = new float[size(c[2])];
        KernelThreads.withThreads(threads, () -> ConvKernels.floating(x, c[0], w, c[1], false, out, c[2], false,
                new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, false, RowEpilogue.NONE));
        return out;
    }

    /** A valid, stride-1 convolution summed in float64. */
    private static double[] direct(float[] x, float[] w, int[][] c) {
        int[] xs = c[0];
        int[] ws = c[1];
        int[] os = c[2];
        double[] out = new double[size(os)];
        for (int n = 0; n < os[0]; n++) {
            for (int i = 0; i < os[1]; i++) {
                for (int j = 0; j < os[2]; j++) {
                    for (int m = 0; m < os[3]; m++) {
                        double sum = 0;
                        for (int ki = 0; ki < ws[0]; ki++) {
                            for (int kj = 0; kj < ws[1]; kj++) {
                                for (int ch = 0; ch < ws[2]; ch++) {
                                    sum += (double) x[((n * xs[1] + i + ki) * xs[2] + j + kj) * xs[3] + ch]
                                            * w[((ki * ws[1] + kj) * ws[2] + ch) * ws[3] + m];
                                }
                            }
                        }
                        out[((n * os[1] + i) * os[2] + j) * os[3] + m] = sum;
                    }
                }
            }
        }
        return out;
    }

    private static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
