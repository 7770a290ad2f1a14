package io.jitflow.keras.layers;

import io.jitflow.Index;
import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A layer that slides a window over the spatial axes of channels-last inputs (batch, spatial...,
 * channels): the convolution and pooling layers. It checks the input, computes the output's
 * spatial dims, and gives a call the input at each window position as a strided slice.
 */
abstract class SlidingWindowLayer extends Layer {
    private final Windows[] windows;
    private int[] outputs;

    SlidingWindowLayer(String name, int[] size, int[] strides, int[] dilation, String padding) {
        super(name);
        int n = size.length;
        if (strides.length != n || dilation.length != n) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs " + n + " window sizes, strides and "
                    + "dilations, got " + Arrays.toString(size) + ", " + Arrays.toString(strides) + ", "
                    + Arrays.toString(dilation));
        }
        boolean same = Windows.same(padding);
        windows = new Windows[n];
        for (int i = 0; i < n; i++) {
            windows[i] = new Windows(size[i], strides[i], dilation[i], same);
        }
    }

    /** The number of spatial axes. */
    int spatialDims() {
        return windows.length;
    }

    int windowVolume() {
        return Arrays.stream(windows).mapToInt(Windows::size).reduce(1, (a, b) -> a * b);
    }

    /** The output's spatial sizes, and its checked input. */
    int[] spatialOutputs(Shape input) {
        int n = windows.length;
        if (input.rank() != n + 2) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " " + name() + " needs (batch, "
                    + (n == 1 ? "steps" : n == 2 ? "height, width" : "depth, height, width") + ", channels), got "
                    + describe(input));
        }
        outputs = new int[n];
        for (int i = 0; i < n; i++) {
            Dim d = input.dim(i + 1);
            if (!d.isStatic()) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " " + name()
                        + " needs known spatial dims, got " + describe(input));
            }
            outputs[i] = windows[i].outputs(d.size());
            if (outputs[i] == 0) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " " + name() + ": a window spans "
                        + windows[i].span() + " along dim " + (i + 1) + " of " + describe(input)
                        + ", which is shorter (use padding \"same\" or a smaller window)");
            }
        }
        return outputs.clone();
    }

    /** The output shape: batch, the spatial outputs, then {@code channels}. */
    Shape outputShape(Shape input, int channels) {
        List<Dim> dims = new ArrayList<>(List.of(input.dim(0)));
        for (int o : spatialOutputs(input)) {
            dims.add(Dim.of(o));
        }
        dims.add(Dim.of(channels));
        return Shape.of(dims);
    }

    /**
     * {@code x} padded with {@code padValue} where the padding is "same", then one strided slice per
     * window position, in row-major order of the window: each (batch, o1, ..., on, channels) holds
     * the input value at that window position of every output's window. Slices keep the index
     * arithmetic affine (no division), and their gradients are paddings.
     */
    List<Tensor> shifted(Tensor x, double padValue) {
        int n = windows.length;
        int[][] pads = new int[n + 2][2];
        boolean padded = false;
        for (int i = 0; i < n; i++) {
            pads[i + 1] = windows[i].padding(x.type().shape().dim(i + 1).size());
            padded |= pads[i + 1][0] + pads[i + 1][1] > 0;
        }
        Tensor t = padded ? Jf.pad(x, pads, "constant", padValue) : x;
        List<Tensor> slices = new ArrayList<>();
        int[] position = new int[n];
        for (int p = 0; p < windowVolume(); p++) {
            int rest = p;
            for (int i = n - 1; i >= 0; i--) {
                position[i] = rest % windows[i].size();
                rest /= windows[i].size();
            }
            Index[] index = new Index[n + 2];
            index[0] = Index.all();
            index[n + 1] = Index.all();
            for (int i = 0; i < n; i++) {
                long start = (long) position[i] * windows[i].dilation();
                index[i + 1] = Index.range(start, start + (long) (outputs[i] - 1) * windows[i].stride() + 1,
                        windows[i].stride());
            }
            slices.add(Jf.get(t, index));
        }
        return slices;
    }

    /**
     * For "same" average pooling: how many window positions of each output fall inside the input,
     * shaped (o1, ..., on, 1) to divide the sums.
     */
    Tensor validCounts(Shape input) {
        int n = windows.length;
        int total = Arrays.stream(outputs).reduce(1, (a, b) -> a * b);
        float[] counts = new float[total];
        int[] position = new int[n];
        for (int flat = 0; flat < total; flat++) {
            int rest = flat;
            for (int i = n - 1; i >= 0; i--) {
                position[i] = rest % outputs[i];
                rest /= outputs[i];
            }
            int count = 1;
            for (int i = 0; i < n; i++) {
                int length = input.dim(i + 1).size();
                int start = position[i] * windows[i].stride() - windows[i].padding(length)[0];
                int inside = 0;
                for (int j = 0; j < windows[i].size(); j++) {
                    int at = start + j * windows[i].dilation();
                    inside += at >= 0 && at < length ? 1 : 0;
                }
                count *= inside;
            }
            counts[flat] = count;
        }
        int[] shape = Arrays.copyOf(outputs, n + 1);
        shape[n] = 1;
        return Jf.reshape(Jf.constant(counts), shape);
    }
}
