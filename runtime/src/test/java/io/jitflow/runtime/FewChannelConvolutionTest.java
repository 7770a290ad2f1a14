package io.jitflow.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A padded convolution of few channels (a first layer's), which runs on an explicitly padded copy
 * of its input, gives each output the chain of fused multiply-adds over its taps and channels in
 * order from zero, the padding's taps included as zeros: the bits of the product of its patch
 * matrix. Cases: the MNIST convnet's first layer, a ResNet stem's stride-2 7x7 window whose reach
 * needs zeros past the input's end, uneven padding, and a 1-D convolution; on one thread and two.
 */
class FewChannelConvolutionTest {
    /** Images, spatial dims of x, channels, window, strides, pad before, filters, and the output's dims or null. */
    private record Case(int images, int[] dims, int channels, int[] window, int[] strides, int[] padLo, int filters,
                        int[] out) {
        Case(int images, int[] dims, int channels, int[] window, int[] strides, int[] padLo, int filters) {
            this(images, dims, channels, window, strides, padLo, filters, null);
        }

        int[] outDims() {
            if (this.out != null) {
                return this.out;
            }
            int[] out = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                // As 'same' padding does: as many points as fit with the padding on both sides.
                out[i] = (dims[i] + 2 * padLo[i] - window[i]) / strides[i] + 1;
            }
            return out;
        }

        @Override
        public String toString() {
            return images + " images " + java.util.Arrays.toString(dims) + " x " + channels + ", window "
                    + java.util.Arrays.toString(window) + ", strides " + java.util.Arrays.toString(strides) + ", pad "
                    + java.util.Arrays.toString(padLo) + ", " + filters + " filters";
        }
    }

    private static final Case[] CASES = {
        new Case(9, new int[] {28, 28}, 1, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, 32),
        new Case(1, new int[] {30, 30}, 3, new int[] {7, 7}, new int[] {2, 2}, new int[] {3, 3}, 64),
        new Case(2, new int[] {11, 13}, 2, new int[] {3, 5}, new int[] {1, 2}, new int[] {1, 2}, 20),
        new Case(3, new int[] {40}, 5, new int[] {5}, new int[] {1}, new int[] {2}, 16),
    };

    @Test
    void sumsEachOutputAsOneChainOverItsPaddedPatch() {
        Random random = new Random(31);
        for (Case c : CASES) {
            check(c, random);
        }
    }

    /**
     * Convolutions of the same shapes that differ only in their padding (16 channels: padded as
     * they run), one after the other on a thread, each give their own sums: the runtime keeps each
     * thread's convolution geometries, and must tell them apart by every argument.
     */
    @Test
    void sameShapesPaddedOtherwiseAreToldApart() {
        Random random = new Random(37);
        Case centered = new Case(2, new int[] {12, 12}, 16, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, 8);
        Case shifted = new Case(2, new int[] {12, 12}, 16, new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 0}, 8,
                new int[] {12, 12});
        for (int round = 0; round < 2; round++) {
            check(centered, random);
            check(shifted, random);
        }
    }

    /** The case's convolution of random values on one thread and two, against its chains computed here. */
    private static void check(Case c, Random random) {
        int r = c.dims().length;
        int[] outDims = c.outDims();
        int[] xShape = shape(c.images(), c.dims(), c.channels());
        int[] outShape = shape(c.images(), outDims, c.filters());
        int[] wShape = new int[r + 2];
        System.arraycopy(c.window(), 0, wShape, 0, r);
        wShape[r] = c.channels();
        wShape[r + 1] = c.filters();
        float[] x = MatmulKernelsTest.random(random, ConvKernelsThreadsTest.size(xShape));
        float[] w = MatmulKernelsTest.random(random, ConvKernelsThreadsTest.size(wShape));
        float[] expected = direct(c, x, w, outDims);
        for (int threads = 1; threads <= 2; threads++) {
            float[] out = new float[ConvKernelsThreadsTest.size(outShape)];
            int[] dilations = new int[r];
            java.util.Arrays.fill(dilations, 1);
            KernelThreads.withThreads(threads, () -> ConvKernels.floating(x, xShape, w, wShape, true, out, outShape,
                    false, c.strides(), dilations, c.padLo(), false, RowEpilogue.NONE));
            assertArrayEquals(expected, out, c + " on " + threads + " threads");
        }
    }

    /** Each output's fused multiply-adds over taps (row-major) and channels, from zero; padding reads zeros. */
    private static float[] direct(Case c, float[] x, float[] w, int[] outDims) {
        int r = c.dims().length;
        int points = ConvKernelsThreadsTest.size(outDims);
        int taps = ConvKernelsThreadsTest.size(c.window());
        float[] out = new float[c.images() * points * c.filters()];
        for (int image = 0; image < c.images(); image++) {
            for (int point = 0; point < points; point++) {
                for (int f = 0; f < c.filters(); f++) {
                    float acc = 0;
                    for (int tap = 0; tap < taps; tap++) {
                        int at = image;
                        for (int i = 0, restPoint = point, restTap = tap; i < r && at >= 0; i++) {
                            int o = restPoint / stride(outDims, i);
                            restPoint %= stride(outDims, i);
                            int t = restTap / stride(c.window(), i);
                            restTap %= stride(c.window(), i);
                            int coordinate = o * c.strides()[i] + t - c.padLo()[i];
                            at = coordinate < 0 || coordinate >= c.dims()[i] ? -1 : at * c.dims()[i] + coordinate;
                        }
                        for (int ch = 0; ch < c.channels(); ch++) {
                            float value = at < 0 ? 0f : x[at * c.channels() + ch];
                            acc = Math.fma(value, w[(tap * c.channels() + ch) * c.filters() + f], acc);
                        }
                    }
                    out[(image * points + point) * c.filters() + f] = acc;
                }
            }
        }
        return out;
    }

    /** Elements per step of dim i of a row-major shape. */
    private static int stride(int[] dims, int i) {
        int s = 1;
        for (int j = i + 1; j < dims.length; j++) {
            s *= dims[j];
        }
        return s;
    }

    private static int[] shape(int images, int[] dims, int channels) {
        int[] s = new int[dims.length + 2];
        s[0] = images;
        System.arraycopy(dims, 0, s, 1, dims.length);
        s[dims.length + 1] = channels;
        return s;
    }
}
