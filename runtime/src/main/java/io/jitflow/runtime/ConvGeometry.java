package io.jitflow.runtime;

/** Sizes of one convolution and, per spatial dim, the input position each (output point, tap) reads. */
final class ConvGeometry {
    final int rows;
    final int depth;
    final int filters;
    final int channels;
    final int taps;
    final int[] input;
    final int[] window;
    final int[] output;
    final int[] strides;
    final int[] padLo;
    /** Output points per image, and images. */
    final int points;
    final int images;
    /** source[i][o * window[i] + k]: the input position along dim i, or -1 for padding. */
    private final int[][] source;
    /** tapIndex[t][i]: the window position along dim i of tap t (taps in row-major order). */
    private final int[][] tapIndex;
    /** Whether output point p reads input point p with one tap: a 1x1 convolution, stride 1, no padding. */
    final boolean pointwise;
    /**
     * inside[i][o]: whether every tap of output position o along dim i reads a position inside
     * the input (never for a transposed convolution, whose taps are not evenly spaced).
     */
    private final boolean[][] inside;
    /** The flat input offset of each tap relative to tap 0, for a point inside along every dim. */
    private final int[] tapDelta;
    /**
     * Taps whose channels lie end to end in x for a point inside: a row of the window along its
     * last dim where that dim's dilation is 1 (taps are in row-major order), else one tap.
     */
    private final int run;
    /** Each element of a patch's input offset relative to tap 0's, for a point inside. */
    private final int[] elementDelta;
    /**
     * Whether this is a plain convolution over two dims, its window's taps adjacent, every
     * output point reading the input: one that can run without a patch matrix, on groups of
     * images ({@code FloatMatmul.convolveImageGroups}).
     */
    final boolean adjacentTaps;
    /**
     * Whether, besides, the window slides one point at a time and fits the output: a
     * convolution that can run on its input's halo panels ({@code FloatMatmul.convolveStride1}).
     */
    final boolean sliding;

    /** The arguments this geometry was made from, compared by {@link #of} to find it again. */
    private final int[][] made;
    private final boolean transposed;

    /**
     * Each thread's geometries, at their arguments' hash: a training step meets the same few
     * convolutions and pools call after call, and making one allocates its tables (a first
     * convolution's filter gradient's element offsets alone are 346 KB).
     */
    private static final ThreadLocal<ConvGeometry[]> KNOWN = ThreadLocal.withInitial(() -> new ConvGeometry[64]);

    /** The geometry of these arguments: the thread's known one, or a new one that it then knows. */
    static ConvGeometry of(int[] xShape, int[] wShape, int[] outShape, boolean transposed, int[] strides,
                       int[] dilations, int[] padLo) {
        int hash = ((((java.util.Arrays.hashCode(xShape) * 31 + java.util.Arrays.hashCode(wShape)) * 31
                + java.util.Arrays.hashCode(outShape)) * 31 + java.util.Arrays.hashCode(strides)) * 31
                + java.util.Arrays.hashCode(dilations)) * 31 + java.util.Arrays.hashCode(padLo);
        ConvGeometry[] known = KNOWN.get();
        int slot = (hash ^ hash >>> 16) & (known.length - 1);
        ConvGeometry g = known[slot];
        if (g == null || !g.madeFrom(xShape, wShape, outShape, transposed, strides, dilations, padLo)) {
            g = new ConvGeometry(xShape, wShape, outShape, transposed, strides, dilations, padLo);
            known[slot] = g;
        }
        return g;
    }

    private boolean madeFrom(int[] xShape, int[] wShape, int[] outShape, boolean transposed, int[] strides,
                             int[] dilations, int[] padLo) {
        return this.transposed == transposed && java.util.Arrays.equals(made[0], xShape)
                && java.util.Arrays.equals(made[1], wShape) && java.util.Arrays.equals(made[2], outShape)
                && java.util.Arrays.equals(made[3], strides) && java.util.Arrays.equals(made[4], dilations)
                && java.util.Arrays.equals(made[5], padLo);
    }

    private ConvGeometry(int[] xShape, int[] wShape, int[] outShape, boolean transposed, int[] strides, int[] dilations,
                     int[] padLo) {
        made = new int[][] {xShape.clone(), wShape.clone(), outShape.clone(), strides.clone(), dilations.clone(),
                padLo.clone()};
        this.transposed = transposed;
        int r = xShape.length - 2;
        input = java.util.Arrays.copyOfRange(xShape, 1, r + 1);
        this.strides = made[3];
        this.padLo = made[5];
        window = java.util.Arrays.copyOf(wShape, r);
        output = java.util.Arrays.copyOfRange(outShape, 1, r + 1);
        channels = xShape[r + 1];
        filters = outShape[r + 1];
        int t = 1;
        int p = 1;
        for (int i = 0; i < r; i++) {
            t *= window[i];
            p *= output[i];
        }
        taps = t;
        points = p;
        images = xShape[0];
        rows = images * points;
        depth = taps * channels;
        source = new int[r][];
        boolean identity = taps == 1 && java.util.Arrays.equals(input, output);
        for (int i = 0; i < r; i++) {
            source[i] = new int[output[i] * window[i]];
            for (int o = 0; o < output[i]; o++) {
                for (int k = 0; k < window[i]; k++) {
                    int at;
                    if (transposed) {
                        int shifted = o + padLo[i] - k * dilations[i];
                        at = shifted >= 0 && shifted % strides[i] == 0 && shifted / strides[i] < input[i]
                                ? shifted / strides[i] : -1;
                    } else {
                        int position = o * strides[i] + k * dilations[i] - padLo[i];
                        at = position >= 0 && position < input[i] ? position : -1;
                    }
                    source[i][o * window[i] + k] = at;
                    identity &= at == o;
                }
            }
        }
        pointwise = identity;
        tapIndex = new int[taps][r];
        for (int tap = 0; tap < taps; tap++) {
            for (int i = r - 1, rest = tap; i >= 0; i--) {
                tapIndex[tap][i] = rest % window[i];
                rest /= window[i];
            }
        }
        inside = new boolean[r][];
        for (int i = 0; i < r; i++) {
            inside[i] = new boolean[output[i]];
            for (int o = 0; o < output[i] && !transposed; o++) {
                int first = o * strides[i] - padLo[i];
                inside[i][o] = first >= 0 && first + (window[i] - 1) * dilations[i] < input[i];
            }
        }
        run = !transposed && dilations[r - 1] == 1 ? window[r - 1] : 1;
        tapDelta = new int[taps];
        for (int tap = 0; tap < taps; tap++) {
            int delta = 0;
            for (int i = 0; i < r; i++) {
                delta = delta * input[i] + tapIndex[tap][i] * (transposed ? 0 : dilations[i]);
            }
            tapDelta[tap] = delta * channels;
        }
        // Without a division per element (a first convolution's filter gradient has 86,528 of them).
        elementDelta = new int[depth];
        for (int tap = 0, e = 0; tap < taps; tap++) {
            for (int c = 0; c < channels; c++, e++) {
                elementDelta[e] = tapDelta[tap] + c;
            }
        }
        boolean adjacent = !transposed && r == 2;
        boolean slides = true;
        for (int i = 0; i < r && adjacent; i++) {
            adjacent = dilations[i] == 1;
            for (int o = 0; o < output[i]; o++) {
                boolean reads = false;
                for (int k = 0; k < window[i]; k++) {
                    reads |= source[i][o * window[i] + k] >= 0;
                }
                adjacent &= reads;
            }
            slides &= strides[i] == 1 && window[i] <= output[i];
        }
        adjacentTaps = adjacent;
        sliding = adjacent && slides;
    }

    /** conv_transpose's filter [taps, filters, channels] as the product's [taps, channels, filters] (a float[] or double[]). */
    <T> T transposeFilter(T w) {
        return rearrangeFilter(w, taps, filters, channels, false);
    }

    /**
     * conv_transpose's filter [taps, filters, channels] as the product's [taps, channels,
     * filters] (a float[] or double[]); with {@code flip}, as a plain convolution's over the
     * flipped window: tap t's [channels, filters] at taps - 1 - t.
     */
    static <T> T rearrangeFilter(T w, int taps, int filters, int channels, boolean flip) {
        @SuppressWarnings("unchecked")
        T b = (T) java.lang.reflect.Array.newInstance(w.getClass().getComponentType(), taps * filters * channels);
        for (int t = 0; t < taps; t++) {
            int to = (flip ? taps - 1 - t : t) * channels * filters;
            for (int m = 0; m < filters; m++) {
                for (int c = 0; c < channels; c++) {
                    int from = (t * filters + m) * channels + c;
                    if (w instanceof float[] f) {
                        ((float[]) b)[to + c * filters + m] = f[from];
                    } else {
                        ((double[]) b)[to + c * filters + m] = ((double[]) w)[from];
                    }
                }
            }
        }
        return b;
    }

    /** A cursor at output row {@code row}. */
    Cursor cursor(int row) {
        return new Cursor(row);
    }

    /**
     * An output row (image and point) that steps through the rows in order, counting its
     * coordinates up as an odometer does rather than dividing the row number each time.
     */
    final class Cursor {
        private int image;
        private final int[] point = new int[output.length];
        /** Whether the row is inside the input along every dim but the last. */
        private boolean leadingInside;
        /** The flat index tap 0 would read (as if there were no padding). */
        private int first;

        private Cursor(int row) {
            image = row / points;
            int rest = row % points;
            for (int i = output.length - 1; i >= 0; i--) {
                point[i] = rest % output[i];
                rest /= output[i];
            }
            rowChanged();
        }

        void next() {
            int last = output.length - 1;
            if (++point[last] < output[last]) {
                first += strides[last] * channels;
                return;
            }
            point[last] = 0;
            for (int i = last - 1; i >= 0; i--) {
                if (++point[i] < output[i]) {
                    rowChanged();
                    return;
                }
                point[i] = 0;
            }
            image++;
            rowChanged();
        }

        private void rowChanged() {
            leadingInside = true;
            first = image;
            for (int i = 0; i < output.length; i++) {
                leadingInside &= i == output.length - 1 || inside[i][point[i]];
                first = first * input[i] + point[i] * strides[i] - padLo[i];
            }
            first *= channels;
        }

        /** Whether every tap of this row reads the input, at {@link #first} plus the tap's fixed distance. */
        boolean inside() {
            return leadingInside && inside[output.length - 1][point[output.length - 1]];
        }

        /** The flat index of the first channel each tap of this row reads, or -1 for padding. */
        void offsets(int[] offsets) {
            for (int t = 0; t < taps; t++) {
                offsets[t] = inside() ? first + tapDelta[t] : offset(t);
            }
        }

        /** The flat index of the first channel tap {@code t} of this row reads, or -1 for padding. */
        private int offset(int t) {
            int offset = image;
            int[] k = tapIndex[t];
            for (int i = 0; i < output.length; i++) {
                int at = source[i][point[i] * window[i] + k[i]];
                if (at < 0) {
                    return -1;
                }
                offset = offset * input[i] + at;
            }
            return offset * channels;
        }
    }

    /** Elements of a paneled patch matrix of {@code rows} rows: rows rounded up to whole panels. */
    int paneledSize(int rows) {
        return (rows + PANEL - 1) / PANEL * PANEL * depth;
    }

    /**
     * Rows [from, from + rows) of the patch matrix of x (float[] or double[]) into {@code a};
     * returns it. Row-major, or {@code paneled} as the matmul's kernel reads A (its panels of
     * {@link #PANEL} rows side by side at each depth; a last panel's rows past the matrix as they
     * were, since the matmul drops their sums), packed so in one pass: copying the rows first
     * and rearranging them after cost twice as much. A panel whose
     * rows all lie inside the input is gathered a depth at a time where the hardware gathers
     * (the MNIST convnet's first convolution, one channel, batch 128: 0.98 -> 0.77 ms a call on 2 threads); other rows are copied
     * element by element. A tap in the padding reads zeros.
     */
    <T> T pack(Object x, T a, int from, int rows, boolean paneled) {
        pack(x, a, 0, from, rows, paneled);
        return a;
    }

    /**
     * The whole paneled patch matrix of x into {@code a}, its panels shared out among {@code
     * threads} threads (on one thread, a ResNet stage's 784 x 1152 patches took as long as a
     * third of their product).
     */
    <T> T packAll(Object x, T a, int threads) {
        int panels = (rows + PANEL - 1) / PANEL;
        int chunks = Math.min(threads, panels);
        KernelThreads.parallelFor(chunks, c -> {
            int first = panels * c / chunks * PANEL;
            int last = Math.min(rows, panels * (c + 1) / chunks * PANEL);
            pack(x, a, first * depth, first, last - first, true);
        });
        return a;
    }

    /** {@link #pack(Object, Object, int, int, boolean)} with row {@code from} written at {@code at} of a. */
    private void pack(Object x, Object a, int at, int from, int rows, boolean paneled) {
        int step = paneled ? PANEL : 1;
        boolean gather = paneled && (x instanceof float[] ? FloatMatmul.GATHERS : DoubleMatmul.GATHERS);
        // The rows of the current panel that lie inside: where tap 0 reads, or -1 (copied already).
        BlockScratch kept = BLOCK_SCRATCH.get();
        int[] insideFirsts = kept.panelRows();
        int inside = 0;
        Cursor cursor = cursor(from);
        int[] offsets = kept.offsets(taps);
        for (int r = 0; r < rows; r++, cursor.next()) {
            if (cursor.inside() && gather) {
                insideFirsts[r % PANEL] = cursor.first;
                inside++;
            } else {
                copyRow(x, cursor, offsets, a, at + paneledRow(r, paneled), step);
                insideFirsts[r % PANEL] = -1;
            }
            if (gather && (r % PANEL == PANEL - 1 || r == rows - 1)) {
                int panel = r / PANEL * PANEL;
                if (inside == PANEL && x instanceof float[] fx) {
                    FloatMatmul.gatherPanel(fx, insideFirsts, elementDelta, (float[]) a, at + panel * depth);
                } else if (inside == PANEL) {
                    DoubleMatmul.gatherPanel((double[]) x, insideFirsts, elementDelta, (double[]) a, at + panel * depth);
                } else {
                    for (int i = 0; i < PANEL && panel + i < rows; i++) {
                        if (insideFirsts[i] >= 0) {
                            copyInside(x, insideFirsts[i], a, at + paneledRow(panel + i, true), step);
                        }
                    }
                }
                inside = 0;
            }
        }
        // A last panel's rows past the matrix are left as they are: the matmul drops their sums.
    }

    /** Where row r of a patch matrix starts: its first element's index, the rest {@code PANEL} apart when paneled. */
    private int paneledRow(int r, boolean paneled) {
        return paneled ? r / PANEL * PANEL * depth + r % PANEL : r * depth;
    }

    /** The cursor's row of the patch matrix into a from {@code row}, its elements {@code step} apart. */
    private void copyRow(Object x, Cursor cursor, int[] offsets, Object a, int row, int step) {
        if (cursor.inside()) {
            copyInside(x, cursor.first, a, row, step);
            return;
        }
        cursor.offsets(offsets);
        for (int t = 0; t < taps; t++) {
            copy(x, offsets[t], channels, a, row + t * channels * step, step);
        }
    }

    /** The patch of a point inside the input, tap 0 reading at {@code first}, into a from {@code row}. */
    private void copyInside(Object x, int first, Object a, int row, int step) {
        if (run * channels < FEW_CHANNELS) {
            // Short runs (a first layer's few channels): each element at its fixed distance from tap 0's.
            copy(x, first, elementDelta, a, row, step);
            return;
        }
        // Each run of taps at fixed distances from tap 0, its channels contiguous in x.
        for (int t = 0; t < taps; t += run) {
            copy(x, first + tapDelta[t], run * channels, a, row + t * channels * step, step);
        }
    }

    /** Rows of a paneled patch matrix side by side: the matmul kernel's tile rows. */
    private static final int PANEL = FloatMatmul.MR;

    /**
     * Below this many channels a run is copied by a loop: a call to arraycopy per tap cost more
     * than the copy (a first layer's one or three channels).
     */
    static final int FEW_CHANNELS = 16;

    /** {@code count} elements of x from {@code from} (zeros where from is -1, padding) into a from {@code to}, {@code step} apart. */
    private static void copy(Object x, int from, int count, Object a, int to, int step) {
        if (step == 1 && from >= 0 && count >= FEW_CHANNELS) {
            System.arraycopy(x, from, a, to, count);
        } else if (a instanceof float[] fa) {
            for (int e = 0; e < count; e++) {
                fa[to + e * step] = from < 0 ? 0f : ((float[]) x)[from + e];
            }
        } else {
            double[] da = (double[]) a;
            for (int e = 0; e < count; e++) {
                da[to + e * step] = from < 0 ? 0.0 : ((double[]) x)[from + e];
            }
        }
    }

    /** The elements of x at {@code from} plus each of {@code deltas} into a from {@code to}, {@code step} apart. */
    private static void copy(Object x, int from, int[] deltas, Object a, int to, int step) {
        if (a instanceof float[] fa) {
            float[] fx = (float[]) x;
            for (int e = 0; e < deltas.length; e++) {
                fa[to + e * step] = fx[from + deltas[e]];
            }
        } else {
            double[] da = (double[]) a;
            double[] dx = (double[]) x;
            for (int e = 0; e < deltas.length; e++) {
                da[to + e * step] = dx[from + deltas[e]];
            }
        }
    }

    /** Each thread's arrays for a block of output points, kept from one block and call to the next. */
    private static final ThreadLocal<BlockScratch> BLOCK_SCRATCH = ThreadLocal.withInitial(BlockScratch::new);

    /** This thread's arrays for a block of output points. */
    static BlockScratch blockScratch() {
        return BLOCK_SCRATCH.get();
    }

    static final class BlockScratch {
        private int[] offsets = new int[0];
        private double[] values = new double[0];
        private final int[] panelRows = new int[PANEL];

        /** Room for each tap's offset: exactly {@code taps} long, as the bodies take its length for the tap count. */
        int[] offsets(int taps) {
            if (offsets.length != taps) {
                offsets = new int[taps];
            }
            return offsets;
        }

        /** Room for a value per channel. */
        double[] values(int channels) {
            if (values.length < channels) {
                values = new double[channels];
            }
            return values;
        }

        /** Room for a value per row of a panel. */
        int[] panelRows() {
            return panelRows;
        }
    }
}
