package io.jitflow.runtime;

import io.jitflow.ir.Float16;

/**
 * Convolutions for the CPU backend as implicit GEMMs (see {@code Kernel.Conv}): the output's
 * points are the rows of a matrix product with the filter, taps x channels deep. Rows are taken a
 * block at a time; a block's patches (each point's taps' channel vectors, zeros for padding) are
 * packed into a block x depth buffer, never the whole im2col matrix, and multiplied by the filter:
 * by the blocked Vector API matmul for float32 and float64 (fused multiply-adds in the dtype,
 * within rounding of the reference), or, in exact mode and for float16, summed in float64 in the
 * reference's order (taps, then channels), bit-identical to it. Blocks are shared out among the
 * kernel threads; each point's sum is the same whichever thread computes it. Where it pays, a
 * convolution runs without patches, the matmul's kernel reading a repacked input in place: groups
 * of eight images side by side ({@code FloatMatmul.convolveImageGroups}), or, for a window that
 * slides one point at a time, the input's halo panels ({@code FloatMatmul.convolveStride1}: the 3x3
 * convolutions of a ResNet-50 at batch 1 13-27% faster than on patches).
 */
public final class ConvKernels {
    /** Output points per packed block (a multiple of the matmul's eight-row tile). */
    private static final int BLOCK_ROWS = 288;
    /** The most elements of a patch matrix packed whole (4 M: 16 MB of float32). */
    private static final long PACK_ALL_LIMIT = 1L << 22;
    /**
     * The shortest run of depth for which a convolution runs without patches: on halo panels each
     * tap's channels are one call of the matmul's kernel, on groups of images each window row's
     * taps; a shorter loop than this costs more in calls than the patches do.
     */
    private static final int SLIDING_CHANNELS = 32;
    /** Below this many multiply-adds a convolution runs on the calling thread. */
    private static final long PARALLEL_WORK = 1L << 22;
    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[] {
        new float[0], new double[0]});

    private ConvKernels() {
    }

    /**
     * out = epilogue(conv(x, w)), or of conv_transpose(x, w) when {@code transposed}; channels last,
     * one group. {@code out} receives the rounded sums, which {@code epilogue} (over ranges of
     * images, or of the output's {@link RowEpilogue#axis}; {@link RowEpilogue#NONE} if there is
     * none) then rewrites in place: with many images,
     * each thread runs it on its images as soon as it has computed them, while they are in its
     * cache; else after the product. {@code constantW} says that w never changes (a model's
     * weights), so its packed form is kept between calls.
     */
    public static void floating(Object x, int[] xShape, Object w, int[] wShape, boolean constantW, Object out,
                                int[] outShape, boolean transposed, int[] strides, int[] dilations, int[] padLo,
                                boolean exact, RowEpilogue epilogue) {
        int r = xShape.length - 2;
        if (transposed && !exact && VectorApi.PRESENT && r == 2 && (x instanceof float[] || x instanceof double[])) {
            // Stride 1: the plain convolution over the flipped window, padded by the rest of the
            // window, which can run without patches (the MNIST convnet's input gradient of its
            // second convolution, batch 128: 6.9 -> 2.3-2.6 ms a call). Its taps are summed in the
            // flipped order: the same values within rounding, not the same bits as on patches.
            int[] plainPad = new int[r];
            boolean plain = true;
            for (int i = 0; i < r; i++) {
                plainPad[i] = wShape[i] - 1 - padLo[i];
                plain &= strides[i] == 1 && dilations[i] == 1 && plainPad[i] >= 0;
            }
            if (plain) {
                int channels = xShape[r + 1];
                int filters = outShape[r + 1];
                Object flipped = ConvGeometry.rearrangeFilter(w, wShape[0] * wShape[1], filters, channels, true);
                floating(x, xShape, flipped, new int[] {wShape[0], wShape[1], channels, filters}, false, out, outShape,
                        false, strides, dilations, plainPad, false, epilogue);
                return;
            }
        }
        int[] paddedShape = explicitPadding(x, xShape, wShape, outShape, transposed, strides, dilations, padLo, exact);
        if (paddedShape != null) {
            floating(padded(x, xShape, padLo, paddedShape), paddedShape, w, wShape, constantW, out, outShape, false,
                    strides, dilations, new int[r], false, epilogue);
            return;
        }
        ConvGeometry g = ConvGeometry.of(xShape, wShape, outShape, transposed, strides, dilations, padLo);
        boolean parallel = (long) g.rows * g.depth * g.filters >= PARALLEL_WORK;
        int threads = parallel ? KernelThreads.count() : 1;
        // Blocks small enough that every thread gets one (each row's sums come out the same whatever the blocks).
        int blockRows = Math.min(BLOCK_ROWS, ((g.rows + threads - 1) / threads + 7) / 8 * 8);
        int blocks = (g.rows + blockRows - 1) / blockRows;
        // Few rows (a late stage at batch 1): the whole patch matrix at once, its row tiles shared.
        boolean whole = g.pointwise || parallel && blocks < 2 * threads && (long) g.rows * g.depth <= PACK_ALL_LIMIT;
        boolean vector = !exact && VectorApi.PRESENT && !g.pointwise;
        // On groups of eight images where a window row's taps inside the input are a long enough
        // run and the last group leaves few tile rows unused (the MNIST convnet's second
        // convolution at batch 128: 2.7-3.1 ms a call on patches, 2.3-2.6 on groups).
        int groups = (g.images + FloatMatmul.MR - 1) / FloatMatmul.MR;
        // (Each thread keeps a group's inputs: at most as much as a whole patch matrix.)
        boolean grouped = vector && g.adjacentTaps && g.channels * g.window[1] >= SLIDING_CHANNELS
                && groups * FloatMatmul.MR * 8 <= g.images * 9
                && (long) g.input[0] * g.input[1] * g.channels * FloatMatmul.MR <= PACK_ALL_LIMIT;
        // Else on halo panels where the patch matrix would be whole, or the output's rows are whole
        // runs of the kernel's tile rows; otherwise the runs' unused rows cost more than the packing
        // saves (batch 8 of 28 x 28 x 128: 8.3 ms on patches, 8.9 on halo panels; 56 x 56 x 64: 1.2 and 0.93).
        boolean slide = vector && !grouped && g.sliding && g.channels >= SLIDING_CHANNELS
                && (whole || g.output[1] % FloatMatmul.MR == 0);
        // Images taken together: as many as fill a block.
        int imagesPerChunk = Math.max(1, BLOCK_ROWS / g.points);
        boolean byImage = !whole && !slide && epilogue != RowEpilogue.NONE && g.images / imagesPerChunk >= 4 * threads;
        Schedule schedule = byImage ? new Schedule(g, blockRows, parallel, imagesPerChunk, epilogue)
                : new Schedule(g, blockRows, parallel, 0, RowEpilogue.NONE);
        if (grouped && x instanceof float[] fx) {
            FloatMatmul.convolveImageGroups(fx, g.images, g.input[0], g.input[1], g.channels, g.window[0], g.window[1],
                    g.strides[0], g.strides[1], g.padLo[0], g.padLo[1], g.output[0], g.output[1],
                    FloatMatmul.panels(new FloatMatmul.Operand((float[]) w, 0, false), constantW, g.filters, g.depth, threads),
                    g.filters, (float[]) out, threads, epilogue);
            return;
        } else if (grouped && x instanceof double[] dx) {
            DoubleMatmul.convolveImageGroups(dx, g.images, g.input[0], g.input[1], g.channels, g.window[0],
                    g.window[1], g.strides[0], g.strides[1], g.padLo[0], g.padLo[1], g.output[0], g.output[1],
                    DoubleMatmul.panels(new DoubleMatmul.Operand((double[]) w, 0, false), constantW, g.filters, g.depth, threads),
                    g.filters, (double[]) out, threads, epilogue);
            return;
        } else if (slide && x instanceof float[] fx) {
            FloatMatmul.convolveStride1(fx, g.images, g.input[0], g.input[1], g.channels, g.window[0], g.window[1],
                    g.padLo[0], g.padLo[1], g.output[0], g.output[1],
                    FloatMatmul.panels(new FloatMatmul.Operand((float[]) w, 0, false), constantW, g.filters, g.depth, threads),
                    g.filters, (float[]) out, threads);
        } else if (slide && x instanceof double[] dx) {
            DoubleMatmul.convolveStride1(dx, g.images, g.input[0], g.input[1], g.channels, g.window[0], g.window[1],
                    g.padLo[0], g.padLo[1], g.output[0], g.output[1],
                    DoubleMatmul.panels(new DoubleMatmul.Operand((double[]) w, 0, false), constantW, g.filters, g.depth, threads),
                    g.filters, (double[]) out, threads);
        } else if (g.pointwise && !exact && VectorApi.PRESENT && (x instanceof float[] || x instanceof double[])) {
            // The matmul itself on x, which runs the epilogue on each block of rows as soon as it is
            // done (ResNet-50's 1x1 convolutions at batch 1: 1.6 ms a call in epilogues of their own).
            RowEpilogue onRows = RowEpilogue.overRows(epilogue, pointsPerCoordinate(outShape, epilogue.axis()));
            boolean keepPacked = constantW && !transposed;
            if (x instanceof float[] fx) {
                float[] filter = transposed ? g.transposeFilter((float[]) w) : (float[]) w;
                FloatMatmul.multiply(new FloatMatmul.Operand(fx, 0, false), new FloatMatmul.Operand(filter, 0, false),
                        keepPacked, (float[]) out, 0, g.rows, g.filters, g.depth, threads, onRows);
            } else {
                double[] filter = transposed ? g.transposeFilter((double[]) w) : (double[]) w;
                DoubleMatmul.multiply(new DoubleMatmul.Operand((double[]) x, 0, false),
                        new DoubleMatmul.Operand(filter, 0, false), keepPacked, (double[]) out, 0, g.rows, g.filters,
                        g.depth, threads, onRows);
            }
            return;
        } else {
            products(g, x, w, constantW, out, transposed, exact, threads, whole, schedule);
        }
        if (!byImage && epilogue != RowEpilogue.NONE) {
            // Over images, or (a batch of one, its leading dims statically 1) along the epilogue's axis.
            KernelThreads.split(epilogue, outShape[epilogue.axis()], (long) g.rows * g.filters);
        }
    }

    /** out = conv(x, w) (or its transpose), rows shared out by {@code schedule}, or all at once when {@code whole}. */
    private static void products(ConvGeometry g, Object x, Object w, boolean constantW, Object out,
                                 boolean transposed, boolean exact, int threads, boolean whole, Schedule schedule) {
        boolean vector = !exact && VectorApi.PRESENT;
        // A transposed convolution's filter is rearranged per call, so only a plain one is kept packed.
        boolean keepPacked = constantW && !transposed;
        if (vector && x instanceof float[] fx) {
            FloatMatmul.Operand filter = new FloatMatmul.Operand(transposed ? g.transposeFilter((float[]) w) : (float[]) w,
                    0, false);
            if (whole) {
                FloatMatmul.Operand patches = new FloatMatmul.Operand(
                        g.packAll(fx, floatScratch(g.paneledSize(g.rows)), threads), 0, false, true);
                FloatMatmul.multiply(patches, filter, keepPacked, (float[]) out, 0, g.rows, g.filters, g.depth, threads,
                        RowEpilogue.NONE);
                return;
            }
            FloatMatmul.Panels packed = FloatMatmul.panels(filter, keepPacked, g.filters, g.depth, threads);
            schedule.run((from, rows) -> {
                float[] a = g.pack(fx, floatScratch(g.paneledSize(rows)), from, rows, true);
                FloatMatmul.multiplyPacked(new FloatMatmul.Operand(a, 0, false, true), packed, (float[]) out,
                        from * g.filters, rows, g.filters, g.depth);
            });
            return;
        }
        if (vector && x instanceof double[] dx) {
            DoubleMatmul.Operand filter = new DoubleMatmul.Operand(transposed ? g.transposeFilter((double[]) w)
                    : (double[]) w, 0, false);
            if (whole) {
                DoubleMatmul.Operand patches = new DoubleMatmul.Operand(
                        g.packAll(dx, doubleScratch(g.paneledSize(g.rows)), threads), 0, false, true);
                DoubleMatmul.multiply(patches, filter, keepPacked, (double[]) out, 0, g.rows, g.filters, g.depth, threads,
                        RowEpilogue.NONE);
                return;
            }
            DoubleMatmul.Panels packed = DoubleMatmul.panels(filter, keepPacked, g.filters, g.depth, threads);
            schedule.run((from, rows) -> {
                double[] a = g.pack(dx, doubleScratch(g.paneledSize(rows)), from, rows, true);
                DoubleMatmul.multiplyPacked(new DoubleMatmul.Operand(a, 0, false, true), packed, (double[]) out,
                        from * g.filters, rows, g.filters, g.depth);
            });
            return;
        }
        double[] wide = widen(w);
        double[] filter = transposed ? g.transposeFilter(wide) : wide;
        double[] input = widen(x);
        schedule.run((from, rows) -> {
            double[] a = g.pack(input, doubleScratch(rows * g.depth), from, rows, false);
            double[] acc = new double[g.filters];
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(acc, 0);
                int row = r * g.depth;
                for (int p = 0; p < g.depth; p++) {
                    double av = a[row + p];
                    int at = p * g.filters;
                    for (int m = 0; m < g.filters; m++) {
                        acc[m] += av * filter[at + m];
                    }
                }
                MatmulKernels.store(out, (from + r) * g.filters, acc, g.filters);
            }
        });
    }

    /**
     * out = a depthwise conv(x, w), channels last: each of x's channels convolved by its own
     * {@code out_channels / in_channels} filters (w is [taps..., 1, out_channels]; output channel m
     * reads input channel m / multiplier). Each point's channels are summed together tap by tap,
     * in float64 in the reference's order, so the result is the reference's bit for bit; the
     * loops over a point's channels are plain array loops HotSpot vectorizes.
     */
    public static void depthwise(Object x, int[] xShape, Object w, int[] wShape, Object out, int[] outShape,
                                 int[] strides, int[] dilations, int[] padLo) {
        ConvGeometry g = ConvGeometry.of(xShape, wShape, outShape, false, strides, dilations, padLo);
        double[] filter = widen(w);
        int multiplier = g.filters / g.channels;
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = (long) g.rows * g.taps * g.filters < PARALLEL_WORK ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            double[] acc = new double[g.filters];
            double[] tap = new double[g.channels];
            ConvGeometry.Cursor cursor = g.cursor(from);
            int[] offsets = new int[g.taps];
            for (int r = 0; r < rows; r++, cursor.next()) {
                cursor.offsets(offsets);
                java.util.Arrays.fill(acc, 0);
                for (int t = 0; t < g.taps; t++) {
                    int at = t * g.filters;
                    if (multiplier == 1 && offsets[t] >= 0 && x instanceof float[] f) {
                        // The common case, without the copy: float32 channels read in place.
                        int offset = offsets[t];
                        for (int m = 0; m < g.filters; m++) {
                            acc[m] += f[offset + m] * filter[at + m];
                        }
                        continue;
                    }
                    readChannels(x, offsets[t], tap);
                    if (multiplier == 1) {
                        for (int m = 0; m < g.filters; m++) {
                            acc[m] += tap[m] * filter[at + m];
                        }
                    } else {
                        for (int m = 0; m < g.filters; m++) {
                            acc[m] += tap[m / multiplier] * filter[at + m];
                        }
                    }
                }
                MatmulKernels.store(out, (from + r) * g.filters, acc, g.filters);
            }
        });
    }

    /**
     * out = max_pool(x) or avg_pool(x), channels last: each output point's channels folded over the
     * window's taps in order, as the reference folds them: {@code Math.max} from -inf (NaN
     * propagates; padding never wins), or a float64 sum (padding adds 0) divided by the taps, or by
     * those inside the input unless {@code countIncludePad}.
     */
    public static void pool(Object x, int[] xShape, Object out, int[] outShape, boolean max, boolean countIncludePad,
                            int[] window, int[] strides, int[] dilations, int[] padLo) {
        ConvGeometry g = poolGeometry(xShape, window, outShape, strides, dilations, padLo);
        long work = (long) g.rows * g.taps * g.channels;
        if (max && x instanceof float[] fx && out instanceof float[] fo && VectorApi.PRESENT) {
            // The maximum of float32 values is the same in float32: folded in place, without widening.
            forEachPoint(g, work, (at, offsets, scratch) -> VectorMath.maxOfTaps(fo, at, fx, offsets, g.channels));
            return;
        }
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = work < PARALLEL_WORK / 8 ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            double[] acc = new double[g.channels];
            double[] tap = new double[g.channels];
            ConvGeometry.Cursor cursor = g.cursor(from);
            int[] offsets = new int[g.taps];
            for (int r = 0; r < rows; r++, cursor.next()) {
                cursor.offsets(offsets);
                java.util.Arrays.fill(acc, max ? Double.NEGATIVE_INFINITY : 0);
                int inside = 0;
                for (int t = 0; t < g.taps; t++) {
                    inside += offsets[t] < 0 ? 0 : 1;
                    if (max && offsets[t] < 0) {
                        continue;
                    }
                    readChannels(x, offsets[t], tap);
                    if (max) {
                        for (int c = 0; c < g.channels; c++) {
                            acc[c] = Math.max(acc[c], tap[c]);
                        }
                    } else {
                        for (int c = 0; c < g.channels; c++) {
                            acc[c] += tap[c];
                        }
                    }
                }
                if (!max) {
                    double count = countIncludePad ? g.taps : inside;
                    for (int c = 0; c < g.channels; c++) {
                        acc[c] /= count;
                    }
                }
                MatmulKernels.store(out, (from + r) * g.channels, acc, g.channels);
            }
        });
    }

    /**
     * Each window's first largest tap of x (channels last; float32 or float64) into {@code chosen}
     * (int32, the pooled shape): taps in row-major order over the window, the first one taken, a
     * later one when it is larger or NaN (a NaN is kept once taken), padding as -inf; as the
     * reference's argmax over the window compares them, in float64.
     */
    public static void firstLargestTaps(Object x, int[] xShape, Object chosen, int[] chosenShape, int[] window,
                                        int[] strides, int[] dilations, int[] padLo) {
        ConvGeometry g = poolGeometry(xShape, window, chosenShape, strides, dilations, padLo);
        int[] taps = (int[]) chosen;
        if (x instanceof float[] fx && VectorApi.PRESENT) {
            forEachPoint(g, (long) g.rows * g.taps * g.channels,
                    (at, offsets, best) -> VectorMath.firstLargestTap(fx, offsets, taps, at, g.channels));
            return;
        }
        forEachPoint(g, (long) g.rows * g.taps * g.channels, (at, offsets, best) -> {
            // Tap by tap over the point's channels, which lie side by side.
            for (int t = 0; t < offsets.length; t++) {
                int offset = offsets[t];
                for (int c = 0; c < g.channels; c++) {
                    double value = offset < 0 ? Double.NEGATIVE_INFINITY : x instanceof float[] f
                            ? f[offset + c] : ((double[]) x)[offset + c];
                    if (t == 0 || !Double.isNaN(best[c]) && (Double.isNaN(value) || value > best[c])) {
                        best[c] = value;
                        taps[at + c] = t;
                    }
                }
            }
        });
    }

    @FunctionalInterface
    private interface PointBody {
        /**
         * One output point: where its channels start in the output, each tap's input offset (-1 in
         * the padding), and a scratch array of one double per channel.
         */
        void run(int at, int[] offsets, double[] scratch);
    }

    /**
     * Runs {@code body} at every output point of a pool, in order within each block, the blocks
     * shared out among the threads from an eighth of a convolution's work: a pool only loads and
     * compares, bound by memory, and already gains from the second thread's bandwidth.
     */
    private static void forEachPoint(ConvGeometry g, long work, PointBody body) {
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = work < PARALLEL_WORK / 8 ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            ConvGeometry.Cursor cursor = g.cursor(from);
            ConvGeometry.BlockScratch kept = ConvGeometry.blockScratch();
            int[] offsets = kept.offsets(g.taps);
            double[] scratch = kept.values(g.channels);
            for (int r = 0; r < rows; r++, cursor.next()) {
                cursor.offsets(offsets);
                body.run((from + r) * g.channels, offsets, scratch);
            }
        });
    }

    /** How many output points each coordinate along {@code axis} of a channels-last output spans. */
    private static int pointsPerCoordinate(int[] outShape, int axis) {
        int points = 1;
        for (int d = axis + 1; d < outShape.length - 1; d++) {
            points *= outShape[d];
        }
        return points;
    }

    /** The geometry of a pool of {@code window} over x, its output {@code pooledShape}: a convolution of one tap per window position. */
    private static ConvGeometry poolGeometry(int[] xShape, int[] window, int[] pooledShape, int[] strides,
                                             int[] dilations, int[] padLo) {
        int[] wShape = java.util.Arrays.copyOf(window, window.length + 2);
        wShape[window.length] = 1;
        wShape[window.length + 1] = 1;
        return ConvGeometry.of(xShape, wShape, pooledShape, false, strides, dilations, padLo);
    }

    /**
     * A max pool's gradient where no two windows overlap, channels last: out (the input's shape)
     * is zero but at each window's chosen tap ({@code chosen}, int32, the flat tap of the window's
     * first largest value), which gets the window's gradient {@code dy} plus zero, as the reference
     * sums it (so -0.0 becomes 0.0); a tap in the padding passes nothing. float32 or float64.
     */
    public static void maxPoolGrad(Object chosen, int[] chosenShape, Object dy, int[] dyShape, Object out, int[] outShape,
                                   int[] window, int[] strides, int[] dilations, int[] padLo) {
        ConvGeometry g = poolGeometry(outShape, window, dyShape, strides, dilations, padLo);
        int[] taps = (int[]) chosen;
        boolean tiles = true;
        for (int i = 0; i < window.length; i++) {
            tiles &= window[i] == strides[i] && dilations[i] == 1 && padLo[i] == 0 && g.output[i] * strides[i] == g.input[i];
        }
        if (out instanceof float[] fo && dy instanceof float[] fdy && VectorApi.PRESENT) {
            // Every tap of each window written: zeros first only where some point lies in no window.
            if (!tiles) {
                java.util.Arrays.fill(fo, 0f);
            }
            forEachPoint(g, (long) g.rows * g.channels,
                    (at, offsets, scratch) -> VectorMath.routeToChosenTaps(taps, fdy, at, offsets, fo, g.channels));
            return;
        }
        if (out instanceof float[] fo) {
            java.util.Arrays.fill(fo, 0f);
        } else {
            java.util.Arrays.fill((double[]) out, 0.0);
        }
        // Windows that do not overlap write disjoint points, so the points may be shared out among the threads.
        forEachPoint(g, (long) g.rows * g.channels, (at, offsets, scratch) -> {
            for (int c = 0; c < g.channels; c++) {
                int offset = offsets[taps[at + c]];
                if (offset < 0) {
                    continue;
                }
                if (out instanceof float[] fo) {
                    fo[offset + c] = ((float[]) dy)[at + c] + 0f;
                } else {
                    ((double[]) out)[offset + c] = ((double[]) dy)[at + c] + 0.0;
                }
            }
        });
    }

    /** One point's channel vector of x from {@code offset} as doubles, or zeros for padding (offset -1). */
    private static void readChannels(Object x, int offset, double[] channels) {
        if (offset < 0) {
            java.util.Arrays.fill(channels, 0);
        } else if (x instanceof float[] f) {
            for (int c = 0; c < channels.length; c++) {
                channels[c] = f[offset + c];
            }
        } else if (x instanceof double[] d) {
            System.arraycopy(d, offset, channels, 0, channels.length);
        } else {
            short[] h = (short[]) x;
            for (int c = 0; c < channels.length; c++) {
                channels[c] = Float16.toFloat(h[offset + c]);
            }
        }
    }

    @FunctionalInterface
    private interface Block {
        void run(int from, int rows);
    }

    /**
     * How a convolution's rows are shared out among the threads: blocks of {@code blockRows} rows,
     * one a chunk; or, with {@code imagesPerChunk} above 0, chunks of that many whole images, each
     * in blocks, its images' {@code epilogue} run as soon as they are done.
     */
    private record Schedule(ConvGeometry g, int blockRows, boolean parallel, int imagesPerChunk, RowEpilogue epilogue) {
        void run(Block body) {
            if (imagesPerChunk == 0) {
                int blocks = (g.rows + blockRows - 1) / blockRows;
                forEachBlock(parallel ? blocks : 1, blocks, blockRows, g, body);
                return;
            }
            int chunks = (g.images + imagesPerChunk - 1) / imagesPerChunk;
            KernelThreads.parallelFor(parallel ? chunks : 1, c -> {
                for (int chunk = parallel ? c : 0; chunk < (parallel ? c + 1 : chunks); chunk++) {
                    int first = chunk * imagesPerChunk;
                    int last = Math.min(g.images, first + imagesPerChunk);
                    for (int from = first * g.points; from < last * g.points; from += blockRows) {
                        body.run(from, Math.min(blockRows, last * g.points - from));
                    }
                    epilogue.rows(first, last);
                }
            });
        }
    }

    private static void forEachBlock(int chunks, int blocks, int blockRows, ConvGeometry g, Block body) {
        KernelThreads.parallelFor(chunks, chunk -> {
            int first = chunks == 1 ? 0 : chunk;
            int last = chunks == 1 ? blocks : chunk + 1;
            for (int b = first; b < last; b++) {
                int from = b * blockRows;
                body.run(from, Math.min(blockRows, g.rows - from));
            }
        });
    }

    /**
     * The shape of x padded explicitly, or null where the convolution runs on x itself. A first
     * layer's few channels: its patches are packed a panel at a time by gathers only where all of
     * a panel's points read inside the input, element by element elsewhere (every panel that
     * touches a border: a third of the MNIST convnet's first layer's with 'same' padding). On an
     * explicitly padded copy of the input every point reads inside (that layer 1.6 -> 1.1 ms a call
     * at batch 128, a ResNet stem 1.44 -> 1.26 ms, on 2 threads); the padding's zeros are the same
     * products in the same order, so the same sums. Only inputs up to {@link #PACK_ALL_LIMIT}
     * elements padded, as each thread keeps its copy's buffer.
     */
    private static int[] explicitPadding(Object x, int[] xShape, int[] wShape, int[] outShape, boolean transposed,
                                         int[] strides, int[] dilations, int[] padLo, boolean exact) {
        int r = xShape.length - 2;
        if (transposed || exact || !VectorApi.PRESENT || xShape[r + 1] >= ConvGeometry.FEW_CHANNELS
                || !(x instanceof float[] || x instanceof double[])) {
            return null;
        }
        int[] paddedShape = xShape.clone();
        boolean padding = false;
        long size = (long) xShape[0] * xShape[r + 1];
        for (int i = 0; i < r; i++) {
            if (padLo[i] < 0) {
                return null;
            }
            int reach = (outShape[i + 1] - 1) * strides[i] + (wShape[i] - 1) * dilations[i] + 1;
            paddedShape[i + 1] = Math.max(padLo[i] + xShape[i + 1], reach);
            padding |= paddedShape[i + 1] > xShape[i + 1];
            size *= paddedShape[i + 1];
        }
        return padding && size <= PACK_ALL_LIMIT ? paddedShape : null;
    }

    /** Each thread's padded input of {@link #padded}, grown to the most it has needed. */
    private static final ThreadLocal<Object[]> PADDED = ThreadLocal.withInitial(() -> new Object[] {
        new float[0], new double[0]});

    /**
     * x (channels last) with {@code padLo} zeros before each spatial dim and zeros after it up to
     * {@code paddedShape}: in the calling thread's buffer, valid until its next call.
     */
    private static Object padded(Object x, int[] xShape, int[] padLo, int[] paddedShape) {
        int r = xShape.length - 2;
        int size = 1;
        for (int d : paddedShape) {
            size *= d;
        }
        Object[] held = PADDED.get();
        int slot = x instanceof float[] ? 0 : 1;
        if (java.lang.reflect.Array.getLength(held[slot]) < size) {
            held[slot] = slot == 0 ? new float[size] : new double[size];
        }
        Object out = held[slot];
        if (slot == 0) {
            java.util.Arrays.fill((float[]) out, 0, size, 0f);
        } else {
            java.util.Arrays.fill((double[]) out, 0, size, 0.0);
        }
        // Each row along the last spatial dim (all its channels) copied at its padded place.
        int row = xShape[r] * xShape[r + 1];
        int rows = 1;
        for (int d = 0; d < r; d++) {
            rows *= xShape[d];
        }
        int[] coord = new int[r - 1];
        for (int i = 0; i < rows; i++) {
            int rest = i;
            for (int d = r - 2; d >= 0; d--) {
                coord[d] = rest % xShape[d + 1];
                rest /= xShape[d + 1];
            }
            int at = rest;
            for (int d = 0; d < r - 1; d++) {
                at = at * paddedShape[d + 1] + coord[d] + padLo[d];
            }
            at = (at * paddedShape[r] + padLo[r - 1]) * xShape[r + 1];
            System.arraycopy(x, i * row, out, at, row);
        }
        return out;
    }

    private static float[] floatScratch(int size) {
        Object[] s = SCRATCH.get();
        if (((float[]) s[0]).length < size) {
            s[0] = new float[size];
        }
        return (float[]) s[0];
    }

    private static double[] doubleScratch(int size) {
        Object[] s = SCRATCH.get();
        if (((double[]) s[1]).length < size) {
            s[1] = new double[size];
        }
        return (double[]) s[1];
    }

    private static double[] widen(Object values) {
        if (values instanceof double[] d) {
            return d;
        }
        if (values instanceof float[] f) {
            double[] wide = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                wide[i] = f[i];
            }
            return wide;
        }
        short[] h = (short[]) values;
        double[] wide = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            wide[i] = Float16.toFloat(h[i]);
        }
        return wide;
    }

}
