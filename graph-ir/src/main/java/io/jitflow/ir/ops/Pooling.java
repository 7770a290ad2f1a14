package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.TensorType;
import java.util.List;

/**
 * Max and average pooling over 1 to 3 spatial dims, per channel, with the window attributes of
 * {@link WindowGeometry} and the window's size in {@code window}. Padding never wins a max (it is
 * -inf) and adds nothing to an average; taps are visited in row-major order. Global pooling is a
 * reduction over the spatial axes.
 */
public final class Pooling {
    private Pooling() {
    }

    /** max_pool(x) {window, strides, dilations, pads, data_format}: the largest tap of each window; NaN propagates. */
    public static OpDef maxPool() {
        return pool(1)
                .infer(c -> List.of(pooled(c)))
                .evaluate(c -> {
                    Window w = Window.of(c);
                    HostTensor.Writer out = HostTensor.writer(w.x.dtype(), w.outputShape());
                    w.forEachOutput((at, taps) -> {
                        double max = Double.NEGATIVE_INFINITY;
                        for (int tap : taps) {
                            max = Math.max(max, tap < 0 ? Double.NEGATIVE_INFINITY : w.x.getDouble(tap));
                        }
                        out.setDouble(at, max);
                    });
                    return List.of(out.build());
                }).build();
    }

    /**
     * avg_pool(x) {window, strides, pads, count_include_pad, data_format}: each window's sum (in
     * float64) divided by its number of taps, or, without count_include_pad (the default, as Keras
     * and ONNX), by the taps that fall inside the input.
     */
    public static OpDef avgPool() {
        return pool(1)
                .attr(AttrSpec.withDefault("count_include_pad", new Attr.BoolAttr(false)))
                .infer(c -> List.of(pooled(c)))
                .evaluate(c -> {
                    Window w = Window.of(c);
                    boolean includePad = c.attrs().getBool("count_include_pad");
                    HostTensor.Writer out = HostTensor.writer(w.x.dtype(), w.outputShape());
                    w.forEachOutput((at, taps) -> {
                        double sum = 0;
                        int inside = 0;
                        for (int tap : taps) {
                            sum += tap < 0 ? 0 : w.x.getDouble(tap);
                            inside += tap < 0 ? 0 : 1;
                        }
                        out.setDouble(at, sum / (includePad ? taps.length : inside));
                    });
                    return List.of(out.build());
                }).build();
    }

    /**
     * max_pool_grad(x, dy) {as max_pool}: max_pool's gradient with respect to x. Each window's
     * gradient goes to its first largest tap (a NaN counts as the largest); an input element sums,
     * in float64 and in the order of its taps, what the windows that chose it pass down.
     */
    public static OpDef maxPoolGrad() {
        return pool(2)
                .infer(c -> {
                    TensorType pooled = pooled(c);
                    if (!c.operand(1).equals(pooled)) {
                        throw c.error("the gradient must have the pooled type " + pooled + ", got " + c.operand(1));
                    }
                    return List.of(c.operand(0));
                })
                .evaluate(c -> {
                    Window w = Window.of(c);
                    HostTensor dy = c.operand(1);
                    int[] chosen = new int[dy.size()];
                    w.forEachOutput((at, taps) -> chosen[at] = firstMax(w.x, taps));
                    HostTensor.Writer dx = HostTensor.writer(w.x.dtype(), w.x.shape());
                    double[] sums = new double[w.x.size()];
                    // Gather form, as the kernels compute it: each input element visits its taps in order.
                    w.forEachInput((at, windows) -> {
                        for (int k = 0; k < windows.length; k++) {
                            sums[at] += windows[k] >= 0 && chosen[windows[k]] == k ? dy.getDouble(windows[k]) : 0;
                        }
                    });
                    for (int i = 0; i < sums.length; i++) {
                        dx.setDouble(i, sums[i]);
                    }
                    return List.of(dx.build());
                }).build();
    }

    /**
     * max_pool_select(x, z) {as max_pool}: for each window of x, z's element at the window's first
     * largest tap (0 where that tap is padding): max_pool_grad's transpose, so that max pooling
     * differentiates to any order. max_pool(x) is max_pool_select(x, x) where no tap is padding.
     */
    public static OpDef maxPoolSelect() {
        return pool(2)
                .infer(c -> {
                    if (!c.operand(1).equals(c.operand(0))) {
                        throw c.error("the selected tensor must have x's type " + c.operand(0) + ", got " + c.operand(1));
                    }
                    return List.of(pooled(c));
                })
                .evaluate(c -> {
                    Window w = Window.of(c);
                    HostTensor z = c.operand(1);
                    HostTensor.Writer out = HostTensor.writer(w.x.dtype(), w.outputShape());
                    w.forEachOutput((at, taps) -> {
                        int chosen = firstMax(w.x, taps);
                        double sum = 0;
                        for (int k = 0; k < taps.length; k++) {
                            sum += k == chosen && taps[k] >= 0 ? z.getDouble(taps[k]) : 0;
                        }
                        out.setDouble(at, sum);
                    });
                    return List.of(out.build());
                }).build();
    }

    /** A pooling op's definition so far: its operands, the window attributes and the window's size. */
    private static OpDef.Builder pool(int operands) {
        return WindowGeometry.attributes(OpDef.builder().operands(operands))
                .attr(AttrSpec.required("window", Attr.Kind.INTS));
    }

    /** The position in {@code taps} of the first largest value, NaN counting as the largest; padding loses. */
    private static int firstMax(HostTensor x, int[] taps) {
        int best = -1;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < taps.length; k++) {
            double v = taps[k] < 0 ? Double.NEGATIVE_INFINITY : x.getDouble(taps[k]);
            if (best < 0 || !Double.isNaN(bestValue) && (Double.isNaN(v) || v > bestValue)) {
                best = k;
                bestValue = v;
            }
        }
        return best;
    }

    private static TensorType pooled(InferCall c) {
        int[] spatial = WindowGeometry.checkedSpatial(c);
        TensorType x = c.operand(0);
        boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
        WindowGeometry g = WindowGeometry.of(c.attrs(), spatial, window(c.attrs(), spatial.length, c::error), c::error);
        return x.withShape(WindowGeometry.activation(x.shape().dim(0), g.output(),
                x.shape().dim(last ? x.rank() - 1 : 1), last));
    }

    /** The window attribute's sizes, one per spatial dim. */
    public static int[] window(Attributes a, int rank, java.util.function.Function<String, RuntimeException> error) {
        long[] given = a.getInts("window");
        if (given.length != rank) {
            throw error.apply("window needs one entry per spatial dim (" + rank + "), got " + java.util.Arrays.toString(given));
        }
        int[] window = new int[rank];
        for (int i = 0; i < rank; i++) {
            if (given[i] < 1 || given[i] > 1 << 20) {
                throw error.apply("window must be in [1, 2^20], got " + java.util.Arrays.toString(given));
            }
            window[i] = (int) given[i];
        }
        return window;
    }

    /** A pooling op's operand and geometry, with walks over its windows. */
    private record Window(HostTensor x, WindowGeometry g, int channels) {
        static Window of(EvalCall c) {
            HostTensor x = c.operand(0);
            boolean last = WindowGeometry.channelsLast(c.attrs(), c::error);
            int[] spatial = WindowGeometry.spatial(x.shape(), last);
            WindowGeometry g = WindowGeometry.of(c.attrs(), spatial, window(c.attrs(), spatial.length, c::error), c::error);
            return new Window(x, g, x.dim(last ? x.rank() - 1 : 1));
        }

        int[] outputShape() {
            return WindowGeometry.activation(io.jitflow.ir.Dim.of(x.dim(0)), g.output(), io.jitflow.ir.Dim.of(channels),
                    g.channelsLast()).sizes();
        }

        interface Visit {
            void accept(int flat, int[] indices);
        }

        /** Each output element's flat index with its taps' flat input indices (-1 for padding), in tap order. */
        void forEachOutput(Visit visit) {
            forEachWindow(false, visit);
        }

        /**
         * Each input element's flat index with, for each tap k in order, the flat output index of the
         * window that reads it with tap k (-1 where none does).
         */
        void forEachInput(Visit visit) {
            forEachWindow(true, visit);
        }

        private void forEachWindow(boolean fromInputs, Visit visit) {
            int[] points = fromInputs ? g.input() : g.output();
            int[] others = fromInputs ? g.output() : g.input();
            int[] pairs = new int[g.windowSize()];
            int[] other = new int[g.rank()];
            for (int n = 0; n < x.dim(0); n++) {
                int image = n;
                WindowGeometry.forEachPoint(points, p -> {
                    for (int ch = 0; ch < channels; ch++) {
                        int[] tap = {0};
                        int channel = ch;
                        WindowGeometry.forEachPoint(g.window(), k -> {
                            boolean paired = true;
                            for (int i = 0; i < g.rank(); i++) {
                                other[i] = fromInputs ? g.outputAt(i, p[i], k[i]) : g.inputAt(i, p[i], k[i]);
                                paired &= other[i] >= 0;
                            }
                            pairs[tap[0]++] = paired
                                    ? WindowGeometry.flatIndex(g.channelsLast(), others, channels, image, other, channel) : -1;
                        });
                        visit.accept(WindowGeometry.flatIndex(g.channelsLast(), points, channels, image, p, ch), pairs);
                    }
                });
            }
        }
    }
}
