package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.Arrays;
import java.util.List;

/**
 * Python-style strided slicing: {@code slice} reads a slice, {@code slice_update} writes one. Both
 * take {begin, end, strides, begin_mask, end_mask}: per leading dim, negative positions count from
 * the end, out-of-range positions clamp, and a set mask bit means "from the start" or "to the end".
 */
public final class Slicing {
    private Slicing() {
    }

    /** Python's slice of one dim: the first index, the step and the count taken. */
    public record DimSlice(int start, int step, int count) {
        int position(int i) {
            return start + i * step;
        }
    }

    public static DimSlice sliceDim(int n, long begin, long end, long step, boolean fromStart, boolean toEnd) {
        long b;
        long e;
        if (step > 0) {
            b = fromStart ? 0 : begin < 0 ? Math.max(begin + n, 0) : Math.min(begin, n);
            e = toEnd ? n : end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
            return new DimSlice((int) b, (int) step, (int) Math.max(0, (e - b + step - 1) / step));
        }
        b = fromStart ? n - 1 : begin < 0 ? Math.max(begin + n, -1) : Math.min(begin, n - 1);
        e = toEnd ? -1 : end < 0 ? Math.max(end + n, -1) : Math.min(end, n - 1);
        return new DimSlice((int) b, (int) step, (int) Math.max(0, (b - e - step - 1) / -step));
    }

    private static OpDef.Builder sliceAttributes(OpDef.Builder b) {
        return b.attr(AttrSpec.required("begin", Attr.Kind.INTS))
                .attr(AttrSpec.required("end", Attr.Kind.INTS))
                .attr(AttrSpec.optional("strides", Attr.Kind.INTS))
                .attr(AttrSpec.withDefault("begin_mask", new Attr.IntAttr(0)))
                .attr(AttrSpec.withDefault("end_mask", new Attr.IntAttr(0)));
    }

    /** slice(x) {begin, end, strides, begin_mask, end_mask}. */
    public static OpDef slice() {
        return sliceAttributes(OpDef.builder().operands(1))
                .infer(c -> List.of(c.operand(0).withShape(slicedShape(c))))
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    DimSlice[] slices = slices(c.attrs(), x.shape());
                    int[] strides = Broadcasting.rowMajorStrides(x.shape());
                    return List.of(Movement.gatherElements(x, counts(slices), coord -> {
                        int index = 0;
                        for (int d = 0; d < coord.length; d++) {
                            index += slices[d].position(coord[d]) * strides[d];
                        }
                        return index;
                    }, 0));
                }).build();
    }

    /** slice_update(x, update) {begin, ...}: x with its slice replaced by update, which has the slice's type. */
    public static OpDef sliceUpdate() {
        return sliceAttributes(OpDef.builder().operands(2))
                .infer(c -> {
                    TensorType expected = c.operand(0).withShape(slicedShape(c));
                    if (!c.operand(1).equals(expected)) {
                        throw c.error("the update must have the slice's type " + expected + ", got " + c.operand(1));
                    }
                    return List.of(c.operand(0));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    HostTensor update = c.operand(1);
                    DimSlice[] slices = slices(c.attrs(), x.shape());
                    if (!Arrays.equals(counts(slices), update.shape())) {
                        throw c.error("the update has shape " + Arrays.toString(update.shape()) + ", the slice "
                                + Arrays.toString(counts(slices)));
                    }
                    HostTensor.Writer out = HostTensor.writer(x.dtype(), x.shape());
                    for (int i = 0; i < x.size(); i++) {
                        out.copy(x, i, i);
                    }
                    int[] strides = Broadcasting.rowMajorStrides(x.shape());
                    int[] coord = new int[x.rank()];
                    for (int i = 0; i < update.size(); i++) {
                        int target = 0;
                        for (int d = 0; d < coord.length; d++) {
                            target += slices[d].position(coord[d]) * strides[d];
                        }
                        out.copy(update, i, target);
                        Movement.advance(coord, update.shape());
                    }
                    return List.of(out.build());
                }).build();
    }

    private static int[] counts(DimSlice[] slices) {
        return Arrays.stream(slices).mapToInt(DimSlice::count).toArray();
    }

    /** The slice of every dim of a concrete shape (dims past the attribute lists are taken whole). */
    private static DimSlice[] slices(Attributes attrs, int[] shape) {
        long[] begin = attrs.getInts("begin");
        long[] end = attrs.getInts("end");
        long[] strides = attrs.has("strides") ? attrs.getInts("strides") : ones(begin.length);
        long beginMask = attrs.getInt("begin_mask");
        long endMask = attrs.getInt("end_mask");
        DimSlice[] slices = new DimSlice[shape.length];
        for (int d = 0; d < shape.length; d++) {
            slices[d] = d < begin.length
                    ? sliceDim(shape[d], begin[d], end[d], strides[d], (beginMask >> d & 1) != 0, (endMask >> d & 1) != 0)
                    : new DimSlice(0, 1, shape[d]);
        }
        return slices;
    }

    /** The inferred shape of the slice of operand 0; symbolic dims may only be taken whole. */
    private static Shape slicedShape(InferCall c) {
        Shape in = c.operand(0).shape();
        long[] begin = c.attrs().getInts("begin");
        long[] end = c.attrs().getInts("end");
        long[] strides = c.attrs().has("strides") ? c.attrs().getInts("strides") : ones(begin.length);
        if (begin.length != end.length || strides.length != begin.length) {
            throw c.error("begin, end and strides must have the same length, got " + begin.length + ", "
                    + end.length + " and " + strides.length);
        }
        if (begin.length > in.rank()) {
            throw c.error("slice of " + begin.length + " dims is too long for " + c.operand(0));
        }
        for (long s : strides) {
            if (s == 0) {
                throw c.error("strides must be non-zero, got " + Arrays.toString(strides));
            }
        }
        long beginMask = c.attrs().getInt("begin_mask");
        long endMask = c.attrs().getInt("end_mask");
        Dim[] dims = in.dims().toArray(new Dim[0]);
        for (int d = 0; d < begin.length; d++) {
            boolean fromStart = (beginMask >> d & 1) != 0;
            boolean toEnd = (endMask >> d & 1) != 0;
            if (!dims[d].isStatic()) {
                boolean whole = strides[d] == 1 && (fromStart || begin[d] == 0) && toEnd;
                if (!whole) {
                    throw c.error("dim " + d + " of " + c.operand(0)
                            + " is symbolic; only a whole slice (begin_mask and end_mask set, stride 1) is allowed there");
                }
                continue;
            }
            dims[d] = Dim.of(sliceDim(dims[d].size(), begin[d], end[d], strides[d], fromStart, toEnd).count());
        }
        return Shape.of(dims);
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }
}
