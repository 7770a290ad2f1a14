package io.jitflow.keras;

import static io.jitflow.Jf.constant;
import static io.jitflow.keras.Summaries.summaryLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Window;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.AveragePooling2D;
import io.jitflow.keras.layers.Conv1D;
import io.jitflow.keras.layers.Conv2D;
import io.jitflow.keras.layers.Conv2DTranspose;
import io.jitflow.keras.layers.DepthwiseConv2D;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.MaxPooling1D;
import io.jitflow.keras.layers.MaxPooling2D;
import io.jitflow.keras.layers.SeparableConv2D;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Convolution and pooling layers: Keras's output shapes and parameter counts, values against
 * plain loops over windows (strides, dilation, "valid" and "same" padding as TensorFlow places
 * it), clear errors, and a small convnet that trains and predicts the same bits after save/load.
 */
class ConvolutionLayersTest {
    @Test
    void shapesAndParameterCountsAsKeras() {
        // The classic MNIST convnet's layers, as Keras's summary gives them.
        assertEquals("(None, 26, 26, 32) 320", summaryLine(new Conv2D(32, 3, "relu"), 28, 28, 1));
        assertEquals("(None, 13, 13, 32) 0", summaryLine(new MaxPooling2D(), 26, 26, 32));
        assertEquals("(None, 11, 11, 64) 18496", summaryLine(new Conv2D(64, 3, "relu"), 13, 13, 32));
        assertEquals("(None, 14, 14, 8) 80", summaryLine(new Conv2D(8, new int[] {3, 3}, new int[] {2, 2}, "same",
                "linear"), 28, 28, 1));
        assertEquals("(None, 8, 32) 800", summaryLine(new Conv1D(32, 3), 10, 8));
        assertEquals("(None, 3, 3, 1) 0", summaryLine(new MaxPooling2D(3, 2, "valid"), 7, 7, 1));
        assertEquals("(None, 4, 4, 1) 0", summaryLine(new AveragePooling2D(2, 1, "same"), 4, 4, 1));
        assertEquals("(None, 5, 2) 0", summaryLine(new MaxPooling1D(2, 2, "same"), 9, 2));
        // Depthwise: 3 x 3 x channels x multiplier weights and a bias per output channel.
        assertEquals("(None, 26, 26, 8) 80", summaryLine(new DepthwiseConv2D(3), 28, 28, 8));
        assertEquals("(None, 10, 10, 8) 80", summaryLine(new DepthwiseConv2D(new int[] {3, 3}, new int[] {1, 1}, "same",
                2, "relu"), 10, 10, 4));
        // Separable: depthwise 3 x 3 x 8, pointwise 8 x 16, bias 16.
        assertEquals("(None, 26, 26, 16) 216", summaryLine(new SeparableConv2D(16, 3), 28, 28, 8));
        // Transposed: a 3 x 3 x 16 x 32 kernel; "valid" adds kernel - stride rows, "same" gives input x stride.
        assertEquals("(None, 9, 9, 16) 4624", summaryLine(new Conv2DTranspose(16, 3), 7, 7, 32));
        assertEquals("(None, 14, 14, 16) 4624", summaryLine(new Conv2DTranspose(16, new int[] {3, 3}, new int[] {2, 2},
                "same", "relu"), 7, 7, 32));
        assertEquals("(None, 15, 15, 16) 4624", summaryLine(new Conv2DTranspose(16, new int[] {3, 3}, new int[] {2, 2},
                "valid", "relu"), 7, 7, 32));
    }

    /** Each depthwise output channel is its input channel convolved with its own filter. */
    @Test
    void depthwiseConvolvesEachChannelAlone() {
        Jf.setRandomSeed(5);
        DepthwiseConv2D layer = new DepthwiseConv2D(new int[] {2, 2}, new int[] {1, 1}, "same", 2, "linear");
        Sequential model = new Sequential(new Input(5, 4, 3), layer);
        Tensor x = Jf.randomUniform(new int[] {2, 5, 4, 3}, -1, 1, 9, DType.FLOAT32);
        Tensor y = model.predict(x);
        Tensor kernel = layer.weights().get(0).asTensor();
        for (int c = 0; c < 3; c++) {
            for (int j = 0; j < 2; j++) {
                Tensor alone = Jf.conv(Jf.slice(x, "..., " + c + ":" + (c + 1)),
                        Jf.slice(kernel, ":, :, " + c + ":" + (c + 1) + ", " + j + ":" + (j + 1)), Window.same());
                assertArrayEquals(alone.toFloatArray(), Jf.slice(y, "..., " + (2 * c + j) + ":" + (2 * c + j + 1))
                        .toFloatArray(), 1e-6f, "channel " + c + ", multiplier " + j);
            }
        }
    }

    @Test
    void badArgumentsAndInputsAreRefusedByName() {
        assertEquals("padding must be \"valid\" or \"same\", got \"full\"", assertThrows(IllegalArgumentException.class,
                () -> new Conv2D(4, new int[] {3, 3}, new int[] {1, 1}, "full", "relu")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Conv2D(0, 3));
        assertEquals("DepthwiseConv2D needs depthMultiplier > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> new DepthwiseConv2D(new int[] {3, 3}, new int[] {1, 1}, "same", 0, "relu")).getMessage());
        assertEquals("SeparableConv2D needs filters > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> new SeparableConv2D(0, 3)).getMessage());
        assertEquals("Conv2DTranspose needs filters > 0, got 0", assertThrows(IllegalArgumentException.class,
                () -> new Conv2DTranspose(0, 3)).getMessage());
        assertEquals("UpSampling2D interpolation must be \"nearest\" or \"bilinear\", got \"cubic\"",
                assertThrows(IllegalArgumentException.class,
                        () -> new io.jitflow.keras.layers.UpSampling2D(2).interpolation("cubic")).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Conv2D(4, new int[] {3, 3}, new int[] {2, 2}, "valid", new int[] {2, 2}, "linear"));
        Conv2D conv = new Conv2D(4, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Input(3, 8, 1), conv).predict(Jf.ones(1, 3, 8, 1)));
        assertEquals("Conv2D " + conv.name() + ": a window spans 5 along dim 1 of (None, 3, 8, 1), which is shorter "
                + "(use padding \"same\" or a smaller window)", e.getMessage());
        MaxPooling2D pool = new MaxPooling2D();
        e = assertThrows(IllegalArgumentException.class, () -> new Sequential(new Input(8, 8), pool).predict(Jf.ones(1, 8, 8)));
        assertEquals("MaxPooling2D " + pool.name() + " needs (batch, height, width, channels), got (None, 8, 8)",
                e.getMessage());
    }

    /** The padding before an axis and the output length, as TensorFlow places "valid" and "same" windows. */
    private static int[] placement(int length, int size, int stride, int dilation, boolean same) {
        int span = (size - 1) * dilation + 1;
        if (!same) {
            return new int[] {0, (length - span) / stride + 1};
        }
        int outputs = (length + stride - 1) / stride;
        return new int[] {Math.max((outputs - 1) * stride + span - length, 0) / 2, outputs};
    }

    /** A 2D convolution by plain loops: x (n, h, w, c), kernel (kh, kw, c, f), no bias. */
    private static float[] convLoops(float[] x, int[] xs, float[] k, int[] ks, int[] stride, int[] dilation, boolean same) {
        int[] ph = placement(xs[1], ks[0], stride[0], dilation[0], same);
        int[] pw = placement(xs[2], ks[1], stride[1], dilation[1], same);
        int f = ks[3];
        float[] out = new float[xs[0] * ph[1] * pw[1] * f];
        for (int b = 0; b < xs[0]; b++) {
            for (int oh = 0; oh < ph[1]; oh++) {
                for (int ow = 0; ow < pw[1]; ow++) {
                    for (int o = 0; o < f; o++) {
                        double sum = 0;
                        for (int i = 0; i < ks[0]; i++) {
                            for (int j = 0; j < ks[1]; j++) {
                                int r = oh * stride[0] + i * dilation[0] - ph[0];
                                int c = ow * stride[1] + j * dilation[1] - pw[0];
                                if (r < 0 || r >= xs[1] || c < 0 || c >= xs[2]) {
                                    continue;
                                }
                                for (int ch = 0; ch < xs[3]; ch++) {
                                    sum += x[((b * xs[1] + r) * xs[2] + c) * xs[3] + ch]
                                            * k[((i * ks[1] + j) * ks[2] + ch) * f + o];
                                }
                            }
                        }
                        out[((b * ph[1] + oh) * pw[1] + ow) * f + o] = (float) sum;
                    }
                }
            }
        }
        return out;
    }

    /** Max or average pooling by plain loops (an average counts only the window positions inside the input). */
    private static float[] poolLoops(float[] x, int[] xs, int size, int stride, boolean same, boolean max) {
        int[] ph = placement(xs[1], size, stride, 1, same);
        int[] pw = placement(xs[2], size, stride, 1, same);
        float[] out = new float[xs[0] * ph[1] * pw[1] * xs[3]];
        for (int b = 0; b < xs[0]; b++) {
            for (int oh = 0; oh < ph[1]; oh++) {
                for (int ow = 0; ow < pw[1]; ow++) {
                    for (int ch = 0; ch < xs[3]; ch++) {
                        double acc = max ? Double.NEGATIVE_INFINITY : 0;
                        int count = 0;
                        for (int i = 0; i < size; i++) {
                            for (int j = 0; j < size; j++) {
                                int r = oh * stride + i - ph[0];
                                int c = ow * stride + j - pw[0];
                                if (r >= 0 && r < xs[1] && c >= 0 && c < xs[2]) {
                                    double v = x[((b * xs[1] + r) * xs[2] + c) * xs[3] + ch];
                                    acc = max ? Math.max(acc, v) : acc + v;
                                    count++;
                                }
                            }
                        }
                        out[((b * ph[1] + oh) * pw[1] + ow) * xs[3] + ch] = (float) (max ? acc : acc / count);
                    }
                }
            }
        }
        return out;
    }

    private static float[] random(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void convolutionsAgreeWithLoopsOverWindows() {
        Random random = new Random(4);
        int[] xs = {2, 7, 6, 3};
        float[] x = random(random, 2 * 7 * 6 * 3);
        record Case(int[] kernel, int[] stride, int[] dilation, String padding) {
        }
        for (Case c : List.of(new Case(new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, "valid"),
                new Case(new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, "same"),
                new Case(new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 3}, "valid"),
                new Case(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, "same"),
                new Case(new int[] {2, 3}, new int[] {1, 1}, new int[] {2, 1}, "same"))) {
            int[] ks = {c.kernel()[0], c.kernel()[1], 3, 4};
            float[] k = random(random, ks[0] * ks[1] * 3 * 4);
            Conv2D conv = new Conv2D(4, c.kernel(), c.stride(), c.padding(), c.dilation(), "linear");
            Sequential model = new Sequential(new Input(7, 6, 3), conv);
            model.predict(Jf.zeros(1, 7, 6, 3));
            conv.setWeights(List.of(Jf.reshape(constant(k), ks), Jf.zeros(4)));
            float[] expected = convLoops(x, xs, k, ks, c.stride(), c.dilation(), c.padding().equals("same"));
            float[] actual = model.predict(Jf.reshape(constant(x), xs)).toFloatArray();
            assertArrayEquals(expected, actual, 1e-4f, c.toString());
        }
    }

    @Test
    void poolingAgreesWithLoopsOverWindows() {
        Random random = new Random(8);
        int[] xs = {2, 5, 7, 2};
        float[] x = random(random, 2 * 5 * 7 * 2);
        Tensor input = Jf.reshape(constant(x), xs);
        for (String padding : List.of("valid", "same")) {
            for (int[] sizeAndStride : new int[][] {{2, 2}, {3, 2}, {2, 1}}) {
                boolean same = padding.equals("same");
                float[] max = new Sequential(new Input(5, 7, 2), new MaxPooling2D(sizeAndStride[0], sizeAndStride[1],
                        padding)).predict(input).toFloatArray();
                assertArrayEquals(poolLoops(x, xs, sizeAndStride[0], sizeAndStride[1], same, true), max,
                        "max " + padding + " " + java.util.Arrays.toString(sizeAndStride));
                float[] average = new Sequential(new Input(5, 7, 2), new AveragePooling2D(sizeAndStride[0],
                        sizeAndStride[1], padding)).predict(input).toFloatArray();
                assertArrayEquals(poolLoops(x, xs, sizeAndStride[0], sizeAndStride[1], same, false), average, 1e-5f,
                        "average " + padding + " " + java.util.Arrays.toString(sizeAndStride));
            }
        }
    }

    /** Images whose bright square is in the left or the right half: a convnet learns which. */
    @Test
    void aSmallConvnetTrainsAndSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
        Jf.setRandomSeed(11);
        Random random = new Random(2);
        int n = 256;
        float[] images = new float[n * 8 * 8];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(2);
            int row = random.nextInt(6);
            int col = labels[i] == 0 ? random.nextInt(2) : 4 + random.nextInt(2);
            for (int r = row; r < row + 2; r++) {
                for (int c = col; c < col + 2; c++) {
                    images[(i * 8 + r) * 8 + c] = 1;
                }
            }
            for (int p = 0; p < 64; p++) {
                images[i * 64 + p] += (float) (0.1 * random.nextGaussian());
            }
        }
        Sequential model = new Sequential(new Input(8, 8, 1), new Conv2D(4, 3, "relu"), new MaxPooling2D(),
                new Conv2D(4, new int[] {2, 2}, new int[] {1, 1}, "same", "relu"),
                new Conv2DTranspose(4, new int[] {2, 2}, new int[] {2, 2}, "same", "relu"),
                new DepthwiseConv2D(new int[] {3, 3}, new int[] {1, 1}, "valid", 2, "relu"),
                new SeparableConv2D(4, new int[] {2, 2}, new int[] {2, 2}, "same", 1, "relu"), new Flatten(),
                new Dense(2, "softmax"));
        model.compile(new Optimizer.Adam(0.01), "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.reshape(constant(images), n, 8, 8, 1);
        History h = model.fit(x, constant(labels), FitOptions.epochs(20).batchSize(32).verbose(0));
        double accuracy = h.get("accuracy").get(h.get("accuracy").size() - 1);
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);
        Path file = dir.resolve("convnet.jfg");
        model.save(file);
        assertArrayEquals(model.predict(x).toFloatArray(), SavedModel.load(file).predict(x).toFloatArray(), 0f);
        assertEquals(DType.FLOAT32, model.predict(x).dtype());
    }
}
