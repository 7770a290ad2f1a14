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

    @Test
    void transposedConvolutionsOfStrideOneMatchTheirSums() {
        // x, w ([window, filters, channels]), out, padLo: an input gradient, and one of a "same" convolution.
        int[][][] cases = {
            {{16, 11, 11, 64}, {3, 3, 32, 64}, {16, 13, 13, 32}, {0, 0}},
            {{8, 10, 12, 40}, {3, 3, 24, 40}, {8, 10, 12, 24}, {1, 1}},
        };
        Random random = new Random(19);
        for (int[][] c : cases) {
            float[] x = MatmulKernelsTest.random(random, size(c[0]));
            float[] w = MatmulKernelsTest.random(random, size(c[1]));
            float[][] results = new float[2][];
            for (int threads = 1; threads <= 2; threads++) {
                float[] out = new float[size(c[2])];
                KernelThreads.withThreads(threads, () -> ConvKernels.floating(x, c[0], w, c[1], false, out, c[2], true,
                        new int[] {1, 1}, new int[] {1, 1}, c[3], false, RowEpilogue.NONE));
                results[threads - 1] = out;
            }
            String name = java.util.Arrays.deepToString(c);
            assertArrayEquals(results[0], results[1], name);
            int[] xs = c[0], ws = c[1], os = c[2];
            int depth = ws[0] * ws[1] * ws[3];
            for (int n = 0; n < os[0]; n++) {
                for (int oy = 0; oy < os[1]; oy++) {
                    for (int ox = 0; ox < os[2]; ox++) {
                        for (int f = 0; f < os[3]; f++) {
                            double sum = 0;
                            for (int ty = 0; ty < ws[0]; ty++) {
                                for (int tx = 0; tx < ws[1]; tx++) {
                                    int iy = oy + c[3][0] - ty, ix = ox + c[3][1] - tx;
                                    for (int ch = 0; iy >= 0 && iy < xs[1] && ix >= 0 && ix < xs[2] && ch < xs[3]; ch++) {
                                        sum += (double) x[((n * xs[1] + iy) * xs[2] + ix) * xs[3] + ch]
                                                * w[((ty * ws[1] + tx) * ws[2] + f) * ws[3] + ch];
                                    }
                                }
                            }
                            int at = ((n * os[1] + oy) * os[2] + ox) * os[3] + f;
                            assertEquals(sum, results[0][at], depth * 0x1p-23 * 4, name + " element " + at);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pointwiseConvolutionsRunTheirEpilogueOnceOnEachCoordinateWhenItsPointsAreDone() {
        // x, w, out, the epilogue's axis and whether it runs on the first rows while the product has
        // others to do (on one thread): a batch of one along its rows (on rows of the product shared
        // out by whole rows of 28 points; a narrow product; one whose filter is the larger operand),
        // a batch of three along its images, and a batch of one along its images.
        int[][][] cases = {
            {{1, 32, 28, 64}, {1, 1, 64, 96}, {1, 32, 28, 96}, {1, 1}},
            {{1, 32, 28, 512}, {1, 1, 512, 16}, {1, 32, 28, 16}, {1, 0}},
            {{1, 7, 7, 512}, {1, 1, 512, 1024}, {1, 7, 7, 1024}, {1, 0}},
            {{3, 16, 14, 64}, {1, 1, 64, 128}, {3, 16, 14, 128}, {0, 1}},
            // one coordinate for two threads: the product's tiles shared, the epilogue after it
            {{1, 32, 28, 64}, {1, 1, 64, 96}, {1, 32, 28, 96}, {0, 0}},
        };
        Random random = new Random(23);
        for (int[][] c : cases) {
            float[] x = MatmulKernelsTest.random(random, size(c[0]));
            float[] w = MatmulKernelsTest.random(random, size(c[1]));
            float[] sums = conv(x, w, c, 1);
            int axis = c[3][0];
            int coordinates = c[2][axis];
            int span = sums.length / coordinates;
            for (int threads = 1; threads <= 2; threads++) {
                float[] out = new float[sums.length];
                java.util.concurrent.atomic.AtomicIntegerArray runs = new java.util.concurrent.atomic.AtomicIntegerArray(coordinates);
                boolean[] whileComputing = {false};
                String name = java.util.Arrays.deepToString(c) + " on " + threads + " threads";
                RowEpilogue twiceAndOne = new RowEpilogue() {
                    @Override
                    public void rows(int from, int to) {
                        whileComputing[0] |= out[out.length - 1] == 0;
                        for (int i = from * span; i < to * span; i++) {
                            assertEquals(sums[i], out[i], name + ": element " + i + " before its epilogue");
                            out[i] = 2 * out[i] + 1;
                        }
                        for (int at = from; at < to; at++) {
                            runs.incrementAndGet(at);
                        }
                    }

                    @Override
                    public int axis() {
                        return axis;
                    }
                };
                KernelThreads.withThreads(threads, () -> ConvKernels.floating(x, c[0], w, c[1], true, out, c[2], false,
                        new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, false, twiceAndOne));
                for (int at = 0; at < coordinates; at++) {
                    assertEquals(1, runs.get(at), name + ": runs of coordinate " + at);
                }
                for (int i = 0; i < sums.length; i++) {
                    assertEquals(2 * sums[i] + 1, out[i], name + ": element " + i);
                }
                if (threads == 1) {
                    assertEquals(c[3][1] == 1, whileComputing[0], name + ": the epilogue ran while rows were left");
                }
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

    /** Elements of a shape. */
    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
