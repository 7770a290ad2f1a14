package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * ONNX's element and N-dimensional gathers and scatters, lowered onto gather and scatter_add (the
 * op set's batched gather and its transpose). Along one axis (GatherElements, ScatterElements),
 * that axis is moved last and every other dim becomes a batch dim; with index tuples (GatherND,
 * ScatterND), the indexed dims are flattened into one and each tuple into its flat position. A
 * scatter that replaces (reduction "none") takes the scattered sum where some index points and
 * the data elsewhere: for repeated indices, whose order ONNX leaves undefined, it adds them. The
 * reductions "max", "min" and "mul" compare every update with every position of its row.
 */
final class IndexingImports {
    private IndexingImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.ops("TopK", IndexingImports::topK, 1);
        r.op("Col2Im", IndexingImports::col2Im, 1, 2);
        r.op("GatherElements", IndexingImports::gatherElements);
        r.op("ScatterElements", IndexingImports::scatterElements);
        r.op("Scatter", IndexingImports::scatterElements);
        r.op("GatherND", IndexingImports::gatherNd);
        r.op("ScatterND", IndexingImports::scatterNd);
        r.op("MaxUnpool", IndexingImports::maxUnpool, 2);
    }

    /**
     * MaxUnpool: zeros of the unpooled shape ((in - 1) * stride + kernel - pads along each spatial
     * dim; a larger output_shape adds zeros at the ends) with each X value at its flat index I
     * (MaxPool's Indices). Where
     * overlapping windows chose one position twice, the two equal values are scattered and their
     * sum divided by the count, which gives the value back.
     */
    private static Operand maxUnpool(ImportContext c) {
        Operand x = c.in(0);
        Operand indices = c.in(1);
        int spatial = x.rank() - 2;
        long[] kernel = c.attrInts("kernel_shape");
        if (kernel == null || kernel.length != spatial || !indices.shape().equals(x.shape())) {
            throw c.error("kernel_shape must give the " + spatial + " spatial sizes and I must have X's shape, got "
                    + java.util.Arrays.toString(kernel) + " for " + x.type + " and " + indices.type);
        }
        long[] strides = NetworkImports.orOnes(c.attrInts("strides"), spatial);
        long[] pads = c.attrInts("pads");
        int[] out = new int[x.rank()];
        out[0] = c.staticDim(x, 0);
        out[1] = c.staticDim(x, 1);
        long[] given = c.has(2) ? c.knownInts(2) : null;
        for (int i = 0; i < spatial; i++) {
            // With output_shape, pads are ignored: the indices are those of the unpadded size.
            out[i + 2] = Math.toIntExact((c.staticDim(x, i + 2) - 1) * strides[i] + kernel[i]
                    - (pads == null || given != null ? 0 : pads[i] + pads[i + spatial]));
        }
        int total = 1;
        for (int d : out) {
            total *= d;
        }
        DType t = x.type.dtype();
        Shape flat = Shape.of(total);
        Shape values = Shape.of(x.shape().elementCount() > Integer.MAX_VALUE ? -1 : (int) x.shape().elementCount());
        Operand at = c.emit(Op.RESHAPE, attrs().put("shape", values).build(), c.cast(indices, DType.INT64));
        Operand zeros = c.emit(Op.FILL, attrs().put("shape", flat).build(), c.scalar(t, 0));
        var a = attrs().put("axis", 0).build();
        Operand sums = c.emit(Op.SCATTER_ADD, a, zeros, at, c.emit(Op.RESHAPE, attrs().put("shape", values).build(), x));
        Operand counts = c.emit(Op.SCATTER_ADD, a, zeros, at, c.emit(Op.FILL, attrs().put("shape", values).build(),
                c.scalar(t, 1)));
        Operand y = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(out)).build(),
                c.emit(Op.DIV, sums, c.emit(Op.MAXIMUM, counts, c.scalar(t, 1))));
        if (given == null) {
            return y;
        }
        // A larger output_shape extends the unpooled tensor with zeros at the end of each dim.
        long[] paddings = new long[2 * out.length];
        for (int d = 0; d < out.length; d++) {
            paddings[2 * d + 1] = given[d] - out[d];
            if (paddings[2 * d + 1] < 0) {
                throw c.error("output_shape " + java.util.Arrays.toString(given) + " is smaller than the unpooled "
                        + java.util.Arrays.toString(out));
            }
        }
        return c.emit(Op.PAD, attrs().putInts("paddings", paddings).build(), y);
    }

    /** The most values TopK takes: each is one argmax over the axis, unrolled. */
    private static final long MAX_TOP_K = 64;

    /**
     * TopK: the k largest (or smallest) values along the axis and their indices, largest first (a
     * tie: the lower index first), as k rounds of argmax over the values in float64, each round's
     * winner masked out with -inf for the next.
     */
    private static List<Operand> topK(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", -1), rank);
        long k = c.opset() < 10 ? c.attrInt("k", -1) : c.knownInts(1)[0];
        int n = c.staticDim(x, axis);
        if (k < 0 || k > n || k > MAX_TOP_K) {
            throw c.error("k must be between 0 and " + Math.min(n, MAX_TOP_K) + " (the axis's " + n
                    + " values; TopK unrolls one argmax a value), got " + k);
        }
        Operand scores = c.cast(x, DType.FLOAT64);
        if (c.attrInt("largest", 1) == 0) {
            scores = c.emit(Op.NEG, scores);
        }
        Operand excluded = c.scalar(DType.FLOAT64, Double.NEGATIVE_INFINITY);
        List<Operand> values = new ArrayList<>();
        List<Operand> indices = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            Operand best = c.emit(Op.ARGMAX, attrs().put("axis", axis).put("output_type", DType.INT64).build(), scores);
            Operand at = c.expandDims(best, axis);
            indices.add(at);
            values.add(gatherAlong(c, x, at, axis));
            Operand taken = c.emit(Op.ONE_HOT, attrs().put("depth", n).put("axis", axis).put("dtype", DType.BOOL)
                    .build(), best);
            scores = c.emit(Op.SELECT, taken, excluded, scores);
        }
        return List.of(concat(c, values, axis), concat(c, indices, axis));
    }

    /**
     * Col2Im: each column of blocks [N, C x block, L] added back into the image [N, C, image...]
     * at the place im2col took it from: a scatter_add at positions worked out at import time, each
     * value in the padding sent to one extra slot past the image, cut off after.
     */
    private static Operand col2Im(ImportContext c) {
        Operand x = c.in(0);
        long[] image = c.knownInts(1);
        long[] block = c.knownInts(2);
        int s = image.length;
        if (block.length != s || x.rank() != 3) {
            throw c.error("needs input [N, C x block, L] and image_shape and block_shape of one length, got "
                    + x.type + ", " + s + " and " + block.length);
        }
        long[] dilations = NetworkImports.orOnes(c.attrInts("dilations"), s);
        long[] strides = NetworkImports.orOnes(c.attrInts("strides"), s);
        long[] pads = c.attrInts("pads");
        pads = pads == null ? new long[2 * s] : pads;
        long[] out = new long[s];
        long blockSize = 1;
        long imageSize = 1;
        long columns = 1;
        for (int d = 0; d < s; d++) {
            out[d] = (image[d] + pads[d] + pads[d + s] - (dilations[d] * (block[d] - 1) + 1)) / strides[d] + 1;
            blockSize *= block[d];
            imageSize *= image[d];
            columns *= out[d];
        }
        int rows = c.staticDim(x, 1);
        if (rows % blockSize != 0 || c.staticDim(x, 2) != columns) {
            throw c.error("input " + x.type + " does not hold blocks of " + blockSize + " values at " + columns + " places");
        }
        long channels = rows / blockSize;
        long outside = channels * imageSize;
        HostTensor.Writer positions = HostTensor.writer(DType.INT64, new int[] {Math.toIntExact(rows * columns)});
        int at = 0;
        for (long row = 0; row < rows; row++) {
            for (long col = 0; col < columns; col++) {
                long flat = row / blockSize * imageSize;
                long tap = row % blockSize;
                long place = col;
                for (int d = s - 1; d >= 0; d--) {
                    long p = place % out[d] * strides[d] - pads[d] + tap % block[d] * dilations[d];
                    flat = p < 0 || p >= image[d] || flat == outside ? outside : flat + p * stride(image, d);
                    tap /= block[d];
                    place /= out[d];
                }
                positions.setLong(at++, flat);
            }
        }
        Dim n = x.shape().dim(0);
        Operand values = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(List.of(n, Dim.of(rows * (int) columns)))).build(), x);
        Operand where = c.emit(Op.BROADCAST_TO, attrs().put("shape", values.shape()).build(), c.constant(positions.build()));
        Operand zeros = c.emit(Op.BROADCAST_TO, attrs().put("shape", Shape.of(List.of(n, Dim.of(Math.toIntExact(outside + 1)))))
                .build(), c.scalar(x.type.dtype(), 0));
        Operand sums = c.emit(Op.SCATTER_ADD, attrs().put("axis", 1).put("batch_dims", 1).build(), zeros, where, values);
        List<Dim> dims = new ArrayList<>(List.of(n, Dim.of((int) channels)));
        for (long d : image) {
            dims.add(Dim.of(Math.toIntExact(d)));
        }
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), c.sliceAxis(sums, 1, 0, outside, 1));
    }

    /** The row-major stride of dim d of a shape. */
    private static long stride(long[] shape, int d) {
        long stride = 1;
        for (int e = d + 1; e < shape.length; e++) {
            stride *= shape[e];
        }
        return stride;
    }

    private static Operand concat(ImportContext c, List<Operand> parts, int axis) {
        return parts.size() == 1 ? parts.get(0)
                : c.emit(Op.CONCAT, attrs().put("axis", axis).build(), parts.toArray(Operand[]::new));
    }

    /** out[p] = data[p with its axis coordinate replaced by indices[p]]: the shape of indices. */
    private static Operand gatherElements(ImportContext c) {
        Operand data = c.in(0);
        int rank = data.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", 0), rank);
        requireRank(c, "indices", c.in(1), rank);
        return gatherAlong(c, data, wrapNegative(c, c.in(1), c.staticDim(data, axis)), axis);
    }

    /** GatherElements of indices in range. */
    static Operand gatherAlong(ImportContext c, Operand data, Operand indices, int axis) {
        int rank = data.rank();
        long[] perm = axisLast(rank, axis);
        // indices may be shorter than data along the other dims: data is cut to them.
        Operand moved = c.transpose(data, perm);
        Operand movedIndices = c.transpose(indices, perm);
        for (int d = 0; d < rank - 1; d++) {
            if (!movedIndices.shape().dim(d).equals(moved.shape().dim(d))) {
                moved = c.sliceAxis(moved, d, 0, c.staticDim(movedIndices, d), 1);
            }
        }
        Operand gathered = c.emit(Op.GATHER, attrs().put("axis", rank - 1).put("batch_dims", rank - 1).build(), moved,
                movedIndices);
        return c.transpose(gathered, inverse(perm));
    }

    /** data with updates[p] put at p with its axis coordinate replaced by indices[p] (added, or replacing). */
    private static Operand scatterElements(ImportContext c) {
        Operand data = c.in(0);
        int rank = data.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", 0), rank);
        requireRank(c, "indices", c.in(1), rank);
        if (!c.in(2).shape().equals(c.in(1).shape())) {
            throw c.error("updates must have the indices' shape " + c.in(1).type.shape() + ", got " + c.in(2).type);
        }
        String reduction = reduction(c);
        Operand indices = wrapNegative(c, c.in(1), c.staticDim(data, axis));
        long[] perm = axisLast(rank, axis);
        Operand moved = c.transpose(data, perm);
        Operand movedIndices = c.transpose(indices, perm);
        Operand movedUpdates = c.transpose(c.in(2), perm);
        // Indices shorter than data along the other dims: padded with index 0 and an update that
        // changes nothing there (0 for a sum, the fold's identity for a reduction).
        long[] paddings = new long[2 * rank];
        boolean padded = false;
        for (int d = 0; d < rank - 1; d++) {
            if (!movedIndices.shape().dim(d).equals(moved.shape().dim(d))) {
                paddings[2 * d + 1] = c.staticDim(moved, d) - c.staticDim(movedIndices, d);
                padded = true;
            }
        }
        if (REDUCTIONS.containsKey(reduction)) {
            if (padded) {
                var pad = attrs().putInts("paddings", paddings);
                movedIndices = c.emit(Op.PAD, pad.build(), movedIndices);
                movedUpdates = c.emit(Op.PAD, pad.put("constant_value", identity(c, reduction, data.type.dtype())).build(),
                        movedUpdates);
            }
            return c.transpose(reduceInto(c, reduction, moved, movedIndices, movedUpdates), inverse(perm));
        }
        var a = attrs().put("axis", rank - 1).put("batch_dims", rank - 1).build();
        Operand scattered = scatter(c, a, moved, movedIndices, movedUpdates, padded ? paddings : null,
                reduction.equals("add"));
        return c.transpose(scattered, inverse(perm));
    }

    /** out[i..., j...] = data[b..., indices[b..., i..., :], j...]: the first batch_dims dims of both are batch dims. */
    private static Operand gatherNd(ImportContext c) {
        Operand data = c.in(0);
        int batch = (int) c.attrInt("batch_dims", 0);
        FlatIndex flat = flatIndex(c, data, c.in(1), batch);
        return c.emit(Op.GATHER, attrs().put("axis", batch).put("batch_dims", batch).build(), flat.data, flat.positions);
    }

    /** data with updates[i..., j...] put at data[indices[i..., :], j...] (added, or replacing). */
    private static Operand scatterNd(ImportContext c) {
        Operand data = c.in(0);
        String reduction = reduction(c);
        FlatIndex flat = flatIndex(c, data, c.in(1), 0);
        Operand scattered = REDUCTIONS.containsKey(reduction)
                ? reduceNdInto(c, reduction, flat.data, flat.positions, c.in(2))
                : scatter(c, attrs().put("axis", 0).build(), flat.data, flat.positions, c.in(2), null,
                        reduction.equals("add"));
        return c.emit(Op.RESHAPE, attrs().put("shape", data.shape()).build(), scattered);
    }

    private static void requireRank(ImportContext c, String what, Operand x, int rank) {
        if (x.rank() != rank) {
            throw c.error(what + " must have the data's rank " + rank + ", got " + x.type);
        }
    }

    /** The ops that fold a position's updates for reductions "max", "min" and "mul", and the op that reduces a run of them. */
    private static final java.util.Map<String, Op[]> REDUCTIONS = java.util.Map.of(
            "max", new Op[] {Op.MAXIMUM, Op.REDUCE_MAX}, "min", new Op[] {Op.MINIMUM, Op.REDUCE_MIN},
            "mul", new Op[] {Op.MUL, Op.REDUCE_PROD});

    /** The scatter's reduction: "none", "add", "max", "min" or "mul". */
    private static String reduction(ImportContext c) {
        String reduction = c.attrString("reduction", "none");
        if (!reduction.equals("none") && !reduction.equals("add") && !REDUCTIONS.containsKey(reduction)) {
            throw c.error("reduction \"" + reduction + "\" is not one of none, add, max, min and mul");
        }
        return reduction;
    }

    /**
     * The most (update, position) pairs a scatter with reduction "max", "min" or "mul" compares:
     * each update is compared with every position of its row (the op set's scatter only adds).
     */
    static final long MAX_COMPARED_PAIRS = 1L << 24;

    /**
     * data ([batch..., n]) with each position p of a row folded with the updates ([batch..., u])
     * whose index there is p: the larger, the smaller or the product, in the updates' order after
     * data's own value (a product's rounding depends on it). Every update is compared with every
     * position, an identity (the dtype's lowest or highest value, or 1) standing where the index
     * points elsewhere, and the comparison is reduced along the updates.
     */
    private static Operand reduceInto(ImportContext c, String reduction, Operand data, Operand indices, Operand updates) {
        int rank = data.rank();
        int n = c.staticDim(data, rank - 1);
        long pairs = (long) n * c.staticDim(updates, rank - 1);
        for (int d = 0; d < rank - 1; d++) {
            pairs *= c.staticDim(data, d);
        }
        if (pairs > MAX_COMPARED_PAIRS) {
            throw c.error("reduction \"" + reduction + "\" compares each update with each position of its row: " + pairs
                    + " pairs, more than " + MAX_COMPARED_PAIRS);
        }
        DType t = data.type.dtype();
        Op[] ops = REDUCTIONS.get(reduction);
        Operand positions = c.emit(Op.RANGE, attrs().put("limit", (double) n).put("dtype", indices.type.dtype()).build());
        Operand hits = c.emit(Op.EQUAL, c.expandDims(indices, rank), positions);
        Operand candidates = c.emit(Op.SELECT, hits, c.expandDims(updates, rank), c.scalar(t, identity(c, reduction, t)));
        if (ops[0] == Op.MUL) {
            Operand chain = c.emit(Op.CONCAT, attrs().put("axis", rank - 1).build(), c.expandDims(data, rank - 1),
                    candidates);
            return c.reduce(ops[1], chain, new long[] {rank - 1}, false);
        }
        return c.emit(ops[0], data, c.reduce(ops[1], candidates, new long[] {rank - 1}, false));
    }

    /** The value that leaves a fold unchanged: 1 for a product, else the dtype's lowest (max) or highest (min). */
    private static double identity(ImportContext c, String reduction, DType t) {
        if (t == DType.BOOL) {
            throw c.error("reduction \"" + reduction + "\" needs numbers, got bool");
        }
        if (reduction.equals("mul")) {
            return 1;
        }
        boolean max = reduction.equals("max");
        return switch (t) {
            case UINT8 -> max ? 0 : 255;
            case INT32 -> max ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            // Long.MAX_VALUE as a double is 2^63, which the int64 scalar saturates back to it.
            case INT64 -> max ? Long.MIN_VALUE : Long.MAX_VALUE;
            default -> max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        };
    }

    /**
     * ScatterND's {@link #reduceInto}: data ([positions, slice...]), one flat position per index
     * tuple ([tuples...]), updates ([tuples..., slice...]); each slice element becomes a row whose
     * updates are the tuples'.
     */
    private static Operand reduceNdInto(ImportContext c, String reduction, Operand data, Operand positions,
                                        Operand updates) {
        int slice = data.rank() - 1;
        long tuples = 1;
        for (int d = 0; d < positions.rank(); d++) {
            tuples *= c.staticDim(positions, d);
        }
        List<Dim> updateDims = new ArrayList<>(List.of(Dim.of(Math.toIntExact(tuples))));
        updateDims.addAll(data.shape().dims().subList(1, data.rank()));
        Operand flatUpdates = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(updateDims)).build(), updates);
        Operand flatPositions = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(Dim.of(Math.toIntExact(tuples)))).build(),
                positions);
        long[] sliceFirst = new long[slice + 1];
        for (int d = 0; d < slice; d++) {
            sliceFirst[d] = d + 1;
        }
        Operand rows = c.transpose(data, sliceFirst);
        Operand rowUpdates = c.transpose(flatUpdates, sliceFirst);
        Operand rowIndices = c.emit(Op.BROADCAST_TO, attrs().put("shape", rowUpdates.shape()).build(), flatPositions);
        return c.transpose(reduceInto(c, reduction, rows, rowIndices, rowUpdates), inverse(sliceFirst));
    }

    /**
     * scatter_add of the updates into data, or, replacing, the scattered sum where some index
     * points (counted by scattering ones) and data elsewhere. With {@code paddings}, indices and
     * updates are padded first with index 0 and update 0 (and no count), which change nothing.
     */
    private static Operand scatter(ImportContext c, io.jitflow.ir.Attributes a, Operand data, Operand indices,
                                   Operand updates, long[] paddings, boolean add) {
        Operand ones = add ? null : c.emit(Op.BROADCAST_TO, attrs().put("shape", updates.shape()).build(),
                c.scalar(data.type.dtype(), 1));
        if (paddings != null) {
            var pad = attrs().putInts("paddings", paddings).build();
            indices = c.emit(Op.PAD, pad, indices);
            updates = c.emit(Op.PAD, pad, updates);
            ones = ones == null ? null : c.emit(Op.PAD, pad, ones);
        }
        if (add) {
            return c.emit(Op.SCATTER_ADD, a, data, indices, updates);
        }
        Operand zeros = c.emit(Op.BROADCAST_TO, attrs().put("shape", data.shape()).build(),
                c.scalar(data.type.dtype(), 0));
        Operand sums = c.emit(Op.SCATTER_ADD, a, zeros, indices, updates);
        Operand hits = c.emit(Op.SCATTER_ADD, a, zeros, indices, ones);
        return c.emit(Op.SELECT, c.emit(Op.GREATER, hits, zeros), sums, data);
    }

    /** data with its k indexed dims (after the batch dims) made one, and each index tuple's flat position there. */
    private record FlatIndex(Operand data, Operand positions) {
    }

    private static FlatIndex flatIndex(ImportContext c, Operand data, Operand indices, int batch) {
        int k = c.staticDim(indices, indices.rank() - 1);
        if (batch < 0 || batch + k > data.rank() || batch >= indices.rank()) {
            throw c.error("index tuples of " + k + " after " + batch + " batch dims do not fit data " + data.type
                    + " and indices " + indices.type);
        }
        Operand positions = null;
        long stride = 1;
        for (int j = k - 1; j >= 0; j--) {
            int size = c.staticDim(data, batch + j);
            Operand component = c.squeeze(c.sliceAxis(indices, indices.rank() - 1, j, j + 1, 1), indices.rank() - 1);
            Operand scaled = c.emit(Op.MUL, wrapNegative(c, component, size), c.scalar(indices.type.dtype(), stride));
            positions = positions == null ? scaled : c.emit(Op.ADD, positions, scaled);
            stride *= size;
        }
        List<Dim> dims = new ArrayList<>(data.shape().dims().subList(0, batch));
        dims.add(Dim.of(Math.toIntExact(stride)));
        dims.addAll(data.shape().dims().subList(batch + k, data.rank()));
        Operand flattened = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), data);
        return new FlatIndex(flattened, positions);
    }

    /** Negative indices count from the end of a dim of {@code size}. */
    static Operand wrapNegative(ImportContext c, Operand indices, int size) {
        DType t = indices.type.dtype();
        return c.emit(Op.SELECT, c.emit(Op.LESS, indices, c.scalar(t, 0)), c.emit(Op.ADD, indices, c.scalar(t, size)),
                indices);
    }

    /** The permutation that moves {@code axis} last, keeping the others in order. */
    static long[] axisLast(int rank, int axis) {
        long[] perm = new long[rank];
        for (int d = 0, at = 0; d < rank; d++) {
            if (d != axis) {
                perm[at++] = d;
            }
        }
        perm[rank - 1] = axis;
        return perm;
    }

    static long[] inverse(long[] perm) {
        long[] inverse = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[(int) perm[i]] = i;
        }
        return inverse;
    }
}
