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
                Object flipped = Geometry.rearrangeFilter(w, wShape[0] * wShape[1], filters, channels, true);
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
        Geometry g = Geometry.of(xShape, wShape, outShape, transposed, strides, dilations, padLo);
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
        } else {
            products(g, x, w, constantW, out, transposed, exact, threads, whole, schedule);
        }
        if (!byImage && epilogue != RowEpilogue.NONE) {
            // Over images, or (a batch of one, its leading dims statically 1) along the epilogue's axis.
            KernelThreads.split(epilogue, outShape[epilogue.axis()], (long) g.rows * g.filters);
        }
    }

    /** out = conv(x, w) (or its transpose), rows shared out by {@code schedule}, or all at once when {@code whole}. */
    private static void products(Geometry g, Object x, Object w, boolean constantW, Object out, boolean transposed,
                                 boolean exact, int threads, boolean whole, Schedule schedule) {
        boolean vector = !exact && VectorApi.PRESENT;
        // A transposed convolution's filter is rearranged per call, so only a plain one is kept packed.
        boolean keepPacked = constantW && !transposed;
        if (vector && x instanceof float[] fx) {
            FloatMatmul.Operand filter = new FloatMatmul.Operand(transposed ? g.transposeFilter((float[]) w) : (float[]) w,
                    0, false);
            if (whole) {
                // x is the patch matrix already where each point's patch is its own channel vector.
                FloatMatmul.Operand patches = g.pointwise ? new FloatMatmul.Operand(fx, 0, false)
                        : new FloatMatmul.Operand(g.packAll(fx, floatScratch(g.paneledSize(g.rows)), threads), 0,
                        false, true);
                FloatMatmul.multiply(patches, filter, keepPacked, (float[]) out, 0, g.rows, g.filters, g.depth, threads,
                        RowEpilogue.NONE);
                return;
            }
            float[] packed = FloatMatmul.panels(filter, keepPacked, g.filters, g.depth, threads);
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
                DoubleMatmul.Operand patches = g.pointwise ? new DoubleMatmul.Operand(dx, 0, false)
                        : new DoubleMatmul.Operand(g.packAll(dx, doubleScratch(g.paneledSize(g.rows)), threads), 0,
                        false, true);
                DoubleMatmul.multiply(patches, filter, keepPacked, (double[]) out, 0, g.rows, g.filters, g.depth, threads,
                        RowEpilogue.NONE);
                return;
            }
            double[] packed = DoubleMatmul.panels(filter, keepPacked, g.filters, g.depth, threads);
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
        Geometry g = Geometry.of(xShape, wShape, outShape, false, strides, dilations, padLo);
        double[] filter = widen(w);
        int multiplier = g.filters / g.channels;
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = (long) g.rows * g.taps * g.filters < PARALLEL_WORK ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            double[] acc = new double[g.filters];
            double[] tap = new double[g.channels];
            Geometry.Cursor cursor = g.cursor(from);
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
        Geometry g = poolGeometry(xShape, window, outShape, strides, dilations, padLo);
        long work = (long) g.rows * g.taps * g.channels;
        if (max && x instanceof float[] fx && out instanceof float[] fo && VectorApi.PRESENT) {
            // The maximum of float32 values is the same in float32: folded in place, without widening.
            forEachPoint(g, work, (at, offsets, scratch) -> {
                if (offsets.length == 4 && offsets[0] >= 0 && offsets[1] >= 0 && offsets[2] >= 0 && offsets[3] >= 0) {
                    VectorMath.maxOfFourTaps(fo, at, fx, offsets[0], offsets[1], offsets[2], offsets[3], g.channels);
                    return;
                }
                java.util.Arrays.fill(fo, at, at + g.channels, Float.NEGATIVE_INFINITY);
                for (int offset : offsets) {
                    if (offset >= 0) {
                        VectorMath.maxInto(fo, at, fx, offset, g.channels);
                    }
                }
            });
            return;
        }
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = work < PARALLEL_WORK / 8 ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            double[] acc = new double[g.channels];
            double[] tap = new double[g.channels];
            Geometry.Cursor cursor = g.cursor(from);
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
        Geometry g = poolGeometry(xShape, window, chosenShape, strides, dilations, padLo);
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
    private static void forEachPoint(Geometry g, long work, PointBody body) {
        int blocks = (g.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int chunks = work < PARALLEL_WORK / 8 ? 1 : blocks;
        forEachBlock(chunks, blocks, BLOCK_ROWS, g, (from, rows) -> {
            Geometry.Cursor cursor = g.cursor(from);
            BlockScratch kept = BLOCK_SCRATCH.get();
            int[] offsets = kept.offsets(g.taps);
            double[] scratch = kept.values(g.channels);
            for (int r = 0; r < rows; r++, cursor.next()) {
                cursor.offsets(offsets);
                body.run((from + r) * g.channels, offsets, scratch);
            }
        });
    }

    /** The geometry of a pool of {@code window} over x, its output {@code pooledShape}: a convolution of one tap per window position. */
    private static Geometry poolGeometry(int[] xShape, int[] window, int[] pooledShape, int[] strides, int[] dilations,
                                         int[] padLo) {
        int[] wShape = java.util.Arrays.copyOf(window, window.length + 2);
        wShape[window.length] = 1;
        wShape[window.length + 1] = 1;
        return Geometry.of(xShape, wShape, pooledShape, false, strides, dilations, padLo);
    }

    /**
     * A max pool's gradient where no two windows overlap, channels last: out (the input's shape)
     * is zero but at each window's chosen tap ({@code chosen}, int32, the flat tap of the window's
     * first largest value), which gets the window's gradient {@code dy} plus zero, as the reference
     * sums it (so -0.0 becomes 0.0); a tap in the padding passes nothing. float32 or float64.
     */
    public static void maxPoolGrad(Object chosen, int[] chosenShape, Object dy, int[] dyShape, Object out, int[] outShape,
                                   int[] window, int[] strides, int[] dilations, int[] padLo) {
        Geometry g = poolGeometry(outShape, window, dyShape, strides, dilations, padLo);
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
    private record Schedule(Geometry g, int blockRows, boolean parallel, int imagesPerChunk, RowEpilogue epilogue) {
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

    private static void forEachBlock(int chunks, int blocks, int blockRows, Geometry g, Block body) {
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
        if (transposed || exact || !VectorApi.PRESENT || xShape[r + 1] >= Geometry.FEW_CHANNELS
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

    /** Each thread's arrays for a block of output points, kept from one block and call to the next. */
    private static final ThreadLocal<BlockScratch> BLOCK_SCRATCH = ThreadLocal.withInitial(BlockScratch::new);

    private static final class BlockScratch {
        private int[] offsets = new int[0];
        private double[] values = new double[0];
        private final int[] panelRows = new int[Geometry.PANEL];

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

    /** Sizes of one convolution and, per spatial dim, the input position each (output point, tap) reads. */
    private static final class Geometry {
        final int rows;
        final int depth;
        final int filters;
        final int channels;
        private final int taps;
        private final int[] input;
        private final int[] window;
        private final int[] output;
        private final int[] strides;
        private final int[] padLo;
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
        private static final ThreadLocal<Geometry[]> KNOWN = ThreadLocal.withInitial(() -> new Geometry[64]);

        /** The geometry of these arguments: the thread's known one, or a new one that it then knows. */
        static Geometry of(int[] xShape, int[] wShape, int[] outShape, boolean transposed, int[] strides,
                           int[] dilations, int[] padLo) {
            int hash = ((((java.util.Arrays.hashCode(xShape) * 31 + java.util.Arrays.hashCode(wShape)) * 31
                    + java.util.Arrays.hashCode(outShape)) * 31 + java.util.Arrays.hashCode(strides)) * 31
                    + java.util.Arrays.hashCode(dilations)) * 31 + java.util.Arrays.hashCode(padLo);
            Geometry[] known = KNOWN.get();
            int slot = (hash ^ hash >>> 16) & (known.length - 1);
            Geometry g = known[slot];
            if (g == null || !g.madeFrom(xShape, wShape, outShape, transposed, strides, dilations, padLo)) {
                g = new Geometry(xShape, wShape, outShape, transposed, strides, dilations, padLo);
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

        private Geometry(int[] xShape, int[] wShape, int[] outShape, boolean transposed, int[] strides, int[] dilations,
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
    }
}
