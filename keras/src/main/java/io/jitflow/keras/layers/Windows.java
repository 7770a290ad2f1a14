package io.jitflow.keras.layers;

/**
 * Sliding windows along one axis, as Keras's convolution and pooling layers place them: the output
 * length and padding of {@code valid} and {@code same} (TensorFlow's rule: {@code same} gives
 * ceil(length / stride) outputs, the padding split with the extra element after).
 */
record Windows(int size, int stride, int dilation, boolean same) {
    Windows {
        if (size <= 0 || stride <= 0 || dilation <= 0) {
            throw new IllegalArgumentException("window size, strides and dilation must be positive, got " + size + ", "
                    + stride + " and " + dilation);
        }
    }

    static boolean same(String padding) {
        return switch (padding) {
            case "valid" -> false;
            case "same" -> true;
            default -> throw new IllegalArgumentException("padding must be \"valid\" or \"same\", got \"" + padding + "\"");
        };
    }

    /** The extent one window covers. */
    int span() {
        return (size - 1) * dilation + 1;
    }

    /** The number of windows along an axis of {@code length}; 0 when none fits. */
    int outputs(int length) {
        return same ? (length + stride - 1) / stride : length < span() ? 0 : (length - span()) / stride + 1;
    }

    /** The padding {before, after} along an axis of {@code length}. */
    int[] padding(int length) {
        if (!same) {
            return new int[] {0, 0};
        }
        int total = Math.max((outputs(length) - 1) * stride + span() - length, 0);
        return new int[] {total / 2, total - total / 2};
    }
}
