package io.jitflow.keras.layers;

import io.jitflow.Window;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A layer that slides a window over the spatial axes of channels-last inputs (batch, spatial...,
 * channels): the convolution and pooling layers. It checks the input, computes the output's
 * spatial dims, and says where the windows go ({@link Window}).
 */
abstract class SlidingWindowLayer extends Layer {
    private final Windows[] windows;
    private final boolean same;
    private int[] outputs;

    SlidingWindowLayer(String name, int[] size, int[] strides, int[] dilation, String padding) {
        super(name);
        int n = size.length;
        if (strides.length != n || dilation.length != n) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " needs " + n + " window sizes, strides and "
                    + "dilations, got " + Arrays.toString(size) + ", " + Arrays.toString(strides) + ", "
                    + Arrays.toString(dilation));
        }
        same = Windows.same(padding);
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

    /** Where the windows go, for the conv and pooling ops. */
    Window window() {
        Window window = same ? Window.same() : Window.valid();
        return window.strides(Arrays.stream(windows).mapToInt(Windows::stride).toArray())
                .dilations(Arrays.stream(windows).mapToInt(Windows::dilation).toArray());
    }

    /** The window's size along each spatial axis. */
    int[] windowSize() {
        return Arrays.stream(windows).mapToInt(Windows::size).toArray();
    }

    /** The windows' sizes under {@code sizeKey}, their strides, the padding and (with {@code dilations}) the dilation rates. */
    void addWindowConfig(Map<String, Object> config, String sizeKey, boolean dilations) {
        config.put(sizeKey, LayerConfig.list(Arrays.stream(windows).mapToInt(Windows::size).toArray()));
        config.put("strides", LayerConfig.list(Arrays.stream(windows).mapToInt(Windows::stride).toArray()));
        config.put("padding", same ? "same" : "valid");
        if (dilations) {
            config.put("dilation_rate", LayerConfig.list(Arrays.stream(windows).mapToInt(Windows::dilation).toArray()));
        }
    }
}
