package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Dim;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferCall;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Ops that move elements without computing on them: reshape, transpose, slice, pad and the rest. */
public final class Movement {
    private Movement() {
    }

    /** Maps an output coordinate to the flat input index it reads, or -1 for a padding value. */
    @FunctionalInterface
    interface IndexMap {
        int sourceOf(int[] outCoordinate);
    }

    /** Builds the output by reading each element through {@code map}. */
    static HostTensor gatherElements(HostTensor x, int[] outShape, IndexMap map, double padValue) {
        HostTensor.Writer out = HostTensor.writer(x.dtype(), outShape);
        int count = Shape.checkedElementCount(outShape);
        int[] coordinate = new int[outShape.length];
        for (int i = 0; i < count; i++) {
            int source = map.sourceOf(coordinate);
            if (source < 0) {
                out.setDouble(i, padValue);
            } else {
                out.copy(x, source, i);
            }
            advance(coordinate, outShape);
        }
        return out.build();
    }

    /** Steps a row-major coordinate to the next element of {@code shape}. */
    static void advance(int[] coordinate, int[] shape) {
        for (int d = shape.length - 1; d >= 0; d--) {
            if (++coordinate[d] < shape[d]) {
                return;
            }
            coordinate[d] = 0;
        }
    }

    static int flatIndex(int[] coordinate, int[] strides) {
        int index = 0;
        for (int d = 0; d < coordinate.length; d++) {
            index += coordinate[d] * strides[d];
        }
        return index;
    }

    // ---- reshape ----

    public static OpDef reshape() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("shape", Attr.Kind.SHAPE))
                .infer(c -> List.of(c.operand(0).withShape(reshapeTarget(c))))
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    Attr.ShapeAttr pattern = c.attrs().getShape("shape");
                    List<Dim> known = new ArrayList<>(pattern.dims());
                    for (int axis : pattern.inferredAxes()) {
                        known.set(axis, Dim.of(1));
                    }
                    int[] sizes = c.context().resolve(Shape.of(known));
                    if (!pattern.inferredAxes().isEmpty()) {
                        int rest = Shape.checkedElementCount(sizes);
                        int axis = pattern.inferredAxes().get(0);
                        if (rest == 0 || x.size() % rest != 0) {
                            throw c.error("cannot reshape " + Arrays.toString(x.shape()) + " (" + x.size()
                                    + " elements) to " + pattern);
                        }
                        sizes[axis] = x.size() / rest;
                    }
                    if (Shape.checkedElementCount(sizes) != x.size()) {
                        throw c.error("cannot reshape " + Arrays.toString(x.shape()) + " (" + x.size()
                                + " elements) to " + Arrays.toString(sizes));
                    }
                    return List.of(x.reshape(sizes));
                }).build();
    }

    /**
     * The static result of a reshape: element counts are compared as a static product times a
     * multiset of symbolic names, so [batch, 28, 28] reshaped to [-1, 784] is [batch, 784].
     */
    private static Shape reshapeTarget(InferCall c) {
        Shape in = c.operand(0).shape();
        Attr.ShapeAttr pattern = c.attrs().getShape("shape");
        if (pattern.inferredAxes().size() > 1) {
            throw c.error("at most one dim of the shape may be -1, got " + pattern);
        }
        long inProduct = 1;
        Map<String, Integer> symbols = new HashMap<>();
        for (Dim d : in.dims()) {
            if (d.isStatic()) {
                inProduct *= d.size();
            } else {
                symbols.merge(d.toString(), 1, Integer::sum);
            }
        }
        long targetProduct = 1;
        List<Dim> dims = new ArrayList<>(pattern.dims());
        for (int i = 0; i < dims.size(); i++) {
            if (pattern.inferredAxes().contains(i)) {
                continue;
            }
            Dim d = dims.get(i);
            if (d.isStatic()) {
                targetProduct *= d.size();
            } else if (symbols.merge(d.toString(), -1, Integer::sum) < 0) {
                throw c.error("cannot reshape " + c.operand(0) + " to " + pattern + ": dim " + d
                        + " does not appear in the operand's shape");
            }
        }
        List<String> leftover = new ArrayList<>();
        symbols.forEach((name, count) -> {
            for (int k = 0; k < count; k++) {
                leftover.add(name);
            }
        });
        if (pattern.inferredAxes().isEmpty()) {
            if (!leftover.isEmpty() || inProduct != targetProduct) {
                throw c.error("cannot reshape " + c.operand(0) + " to " + pattern + ": element counts differ");
            }
            return Shape.of(dims);
        }
        int axis = pattern.inferredAxes().get(0);
        if (leftover.isEmpty() && targetProduct != 0 && inProduct % targetProduct == 0) {
            dims.set(axis, Dim.of((int) (inProduct / targetProduct)));
        } else if (leftover.size() == 1 && inProduct == targetProduct) {
            dims.set(axis, Dim.named(leftover.get(0)));
        } else {
            throw c.error("cannot reshape " + c.operand(0) + " to " + pattern + ": the -1 dim cannot be inferred");
        }
        return Shape.of(dims);
    }

    // ---- transpose ----

    public static OpDef transpose() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.optional("perm", Attr.Kind.INTS))
                .infer(c -> {
                    Shape in = c.operand(0).shape();
                    int[] perm = permutation(c.attrs().has("perm") ? c.attrs().getInts("perm") : null, in.rank());
                    if (perm == null) {
                        throw c.error("perm " + Arrays.toString(c.attrs().getInts("perm"))
                                + " is not a permutation of 0.." + (in.rank() - 1));
                    }
                    Dim[] dims = new Dim[in.rank()];
                    for (int i = 0; i < dims.length; i++) {
                        dims[i] = in.dim(perm[i]);
                    }
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    int[] perm = permutation(c.attrs().has("perm") ? c.attrs().getInts("perm") : null, x.rank());
                    int[] inStrides = Broadcasting.rowMajorStrides(x.shape());
                    int[] outShape = new int[x.rank()];
                    int[] strides = new int[x.rank()];
                    for (int i = 0; i < outShape.length; i++) {
                        outShape[i] = x.dim(perm[i]);
                        strides[i] = inStrides[perm[i]];
                    }
                    return List.of(gatherElements(x, outShape, coord -> flatIndex(coord, strides), 0));
                }).build();
    }

    /** The permutation given, or the reversal if none; {@code null} if it is not a permutation. */
    public static int[] permutation(long[] perm, int rank) {
        int[] result = new int[rank];
        if (perm == null) {
            for (int i = 0; i < rank; i++) {
                result[i] = rank - 1 - i;
            }
            return result;
        }
        if (perm.length != rank) {
            return null;
        }
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            if (perm[i] < 0 || perm[i] >= rank || seen[(int) perm[i]]) {
                return null;
            }
            seen[(int) perm[i]] = true;
            result[i] = (int) perm[i];
        }
        return result;
    }

    // ---- expand_dims, squeeze, broadcast_to ----

    public static OpDef expandDims() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("axis", Attr.Kind.INT))
                .infer(c -> {
                    Shape in = c.operand(0).shape();
                    int axis = c.axis(c.attrs().getInt("axis"), in.rank() + 1);
                    List<Dim> dims = new ArrayList<>(in.dims());
                    dims.add(axis, Dim.of(1));
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), x.rank() + 1);
                    List<Integer> dims = new ArrayList<>(Arrays.stream(x.shape()).boxed().toList());
                    dims.add(axis, 1);
                    return List.of(x.reshape(dims.stream().mapToInt(Integer::intValue).toArray()));
                }).build();
    }

    public static OpDef squeeze() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.optional("axes", Attr.Kind.INTS))
                .infer(c -> {
                    Shape in = c.operand(0).shape();
                    boolean[] drop = new boolean[in.rank()];
                    if (c.attrs().has("axes")) {
                        for (long a : c.attrs().getInts("axes")) {
                            int axis = c.axis(a, in.rank());
                            if (!in.dim(axis).equals(Dim.of(1))) {
                                throw c.error("cannot squeeze axis " + a + " of " + c.operand(0) + ": its size is "
                                        + in.dim(axis) + ", expected 1");
                            }
                            drop[axis] = true;
                        }
                    } else {
                        for (int i = 0; i < in.rank(); i++) {
                            drop[i] = in.dim(i).equals(Dim.of(1));
                        }
                    }
                    List<Dim> dims = new ArrayList<>();
                    for (int i = 0; i < in.rank(); i++) {
                        if (!drop[i]) {
                            dims.add(in.dim(i));
                        }
                    }
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    boolean[] drop = new boolean[x.rank()];
                    if (c.attrs().has("axes")) {
                        for (long a : c.attrs().getInts("axes")) {
                            drop[Shape.normalizeAxis(a, x.rank())] = true;
                        }
                    } else {
                        for (int i = 0; i < x.rank(); i++) {
                            drop[i] = x.dim(i) == 1;
                        }
                    }
                    int[] dims = java.util.stream.IntStream.range(0, x.rank()).filter(i -> !drop[i])
                            .map(x::dim).toArray();
                    return List.of(x.reshape(dims));
                }).build();
    }

    public static OpDef broadcastTo() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("shape", Attr.Kind.SHAPE))
                .infer(c -> {
                    Shape target = c.attrs().getShape("shape").shape();
                    Shape combined = Broadcasting.broadcast(c.operand(0).shape(), target);
                    if (combined == null || !combined.equals(target)) {
                        throw c.error("cannot broadcast " + c.operand(0) + " to " + target);
                    }
                    return List.of(c.operand(0).withShape(target));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    int[] target = c.context().resolve(c.attrs().getShape("shape").shape());
                    int[] combined = Broadcasting.broadcast(c.op().mnemonic(), List.of(x.shape(), target));
                    if (!Arrays.equals(combined, target)) {
                        throw c.error("cannot broadcast " + Arrays.toString(x.shape()) + " to " + Arrays.toString(target));
                    }
                    int[] strides = Broadcasting.stridesFor(x.shape(), target);
                    return List.of(gatherElements(x, target, coord -> flatIndex(coord, strides), 0));
                }).build();
    }

    // ---- concat ----

    public static OpDef concat() {
        return OpDef.builder().operands(1, OpDef.VARIADIC)
                .attr(AttrSpec.required("axis", Attr.Kind.INT))
                .infer(c -> {
                    c.commonDType();
                    Shape first = c.operand(0).shape();
                    if (first.rank() == 0) {
                        throw c.error("cannot concatenate scalars, got " + c.operand(0));
                    }
                    int axis = c.axis(c.attrs().getInt("axis"), first.rank());
                    long total = 0;
                    for (TensorType t : c.operands()) {
                        Shape s = t.shape();
                        if (s.rank() != first.rank()) {
                            throw c.error("operands must have the same rank, got " + c.describeOperands());
                        }
                        for (int d = 0; d < s.rank(); d++) {
                            if (d != axis && !s.dim(d).equals(first.dim(d))) {
                                throw c.error("operands must match in every dim but axis " + axis + ", got "
                                        + c.describeOperands());
                            }
                        }
                        if (!s.dim(axis).isStatic()) {
                            throw c.error("the concatenation axis must be static in every operand, got " + t);
                        }
                        total += s.dim(axis).size();
                    }
                    return List.of(c.operand(0).withShape(first.withDim(axis, Dim.of(Math.toIntExact(total)))));
                })
                .evaluate(c -> {
                    HostTensor first = c.operand(0);
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), first.rank());
                    int[] outShape = first.shape();
                    outShape[axis] = 0;
                    for (HostTensor t : c.operands()) {
                        outShape[axis] += t.dim(axis);
                    }
                    HostTensor.Writer out = HostTensor.writer(first.dtype(), outShape);
                    int outer = 1;
                    for (int d = 0; d < axis; d++) {
                        outer *= outShape[d];
                    }
                    int inner = 1;
                    for (int d = axis + 1; d < outShape.length; d++) {
                        inner *= outShape[d];
                    }
                    int position = 0;
                    for (int o = 0; o < outer; o++) {
                        for (HostTensor t : c.operands()) {
                            int chunk = t.dim(axis) * inner;
                            for (int k = 0; k < chunk; k++) {
                                out.copy(t, o * chunk + k, position++);
                            }
                        }
                    }
                    return List.of(out.build());
                }).build();
    }

    // ---- pad ----

    public static OpDef pad() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("paddings", Attr.Kind.INTS))
                .attr(AttrSpec.withDefault("mode", new Attr.StringAttr("constant")))
                .attr(AttrSpec.withDefault("constant_value", new Attr.FloatAttr(0)))
                .infer(c -> {
                    Shape in = c.operand(0).shape();
                    long[] p = c.attrs().getInts("paddings");
                    String mode = c.attrs().getString("mode");
                    if (!List.of("constant", "reflect", "symmetric").contains(mode)) {
                        throw c.error("mode must be \"constant\", \"reflect\" or \"symmetric\", got \"" + mode + "\"");
                    }
                    if (p.length != 2 * in.rank()) {
                        throw c.error("paddings needs 2 entries per dim (" + 2 * in.rank() + " for " + c.operand(0)
                                + "), got " + p.length);
                    }
                    Dim[] dims = new Dim[in.rank()];
                    for (int d = 0; d < in.rank(); d++) {
                        long lo = p[2 * d];
                        long hi = p[2 * d + 1];
                        if (lo < 0 || hi < 0) {
                            throw c.error("paddings must be >= 0, got " + Arrays.toString(p));
                        }
                        if (!in.dim(d).isStatic()) {
                            if (lo != 0 || hi != 0) {
                                throw c.error("cannot pad symbolic dim " + in.dim(d) + " of " + c.operand(0));
                            }
                            dims[d] = in.dim(d);
                            continue;
                        }
                        int n = in.dim(d).size();
                        long limit = mode.equals("reflect") ? n - 1L : mode.equals("symmetric") ? n : Long.MAX_VALUE;
                        if (lo > limit || hi > limit) {
                            throw c.error(mode + " padding of dim " + d + " by " + Math.max(lo, hi)
                                    + " is too large for size " + n + " (at most " + limit + ")");
                        }
                        dims[d] = Dim.of(Math.toIntExact(n + lo + hi));
                    }
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    long[] p = c.attrs().getInts("paddings");
                    String mode = c.attrs().getString("mode");
                    int[] outShape = new int[x.rank()];
                    for (int d = 0; d < x.rank(); d++) {
                        outShape[d] = (int) (x.dim(d) + p[2 * d] + p[2 * d + 1]);
                    }
                    int[] strides = Broadcasting.rowMajorStrides(x.shape());
                    return List.of(gatherElements(x, outShape, coord -> {
                        int index = 0;
                        for (int d = 0; d < coord.length; d++) {
                            int source = padSource(coord[d] - (int) p[2 * d], x.dim(d), mode);
                            if (source < 0) {
                                return -1;
                            }
                            index += source * strides[d];
                        }
                        return index;
                    }, c.attrs().getFloat("constant_value")));
                }).build();
    }

    /** The input index that padded position {@code i} (input-relative) reads, or -1 for the constant. */
    private static int padSource(int i, int n, String mode) {
        if (i >= 0 && i < n) {
            return i;
        }
        return switch (mode) {
            case "reflect" -> i < 0 ? -i : 2 * (n - 1) - i;
            case "symmetric" -> i < 0 ? -i - 1 : 2 * n - 1 - i;
            default -> -1;
        };
    }

    // ---- tile ----

    public static OpDef tile() {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.required("multiples", Attr.Kind.INTS))
                .infer(c -> {
                    Shape in = c.operand(0).shape();
                    long[] m = c.attrs().getInts("multiples");
                    if (m.length != in.rank()) {
                        throw c.error("multiples needs one entry per dim (" + in.rank() + " for " + c.operand(0)
                                + "), got " + m.length);
                    }
                    Dim[] dims = new Dim[in.rank()];
                    for (int d = 0; d < dims.length; d++) {
                        if (m[d] < 0) {
                            throw c.error("multiples must be >= 0, got " + Arrays.toString(m));
                        }
                        if (!in.dim(d).isStatic()) {
                            if (m[d] != 1) {
                                throw c.error("cannot tile symbolic dim " + in.dim(d) + " of " + c.operand(0));
                            }
                            dims[d] = in.dim(d);
                        } else {
                            dims[d] = Dim.of(Math.toIntExact(in.dim(d).size() * m[d]));
                        }
                    }
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    long[] m = c.attrs().getInts("multiples");
                    int[] outShape = new int[x.rank()];
                    for (int d = 0; d < outShape.length; d++) {
                        outShape[d] = (int) (x.dim(d) * m[d]);
                    }
                    int[] strides = Broadcasting.rowMajorStrides(x.shape());
                    return List.of(gatherElements(x, outShape, coord -> {
                        int index = 0;
                        for (int d = 0; d < coord.length; d++) {
                            index += coord[d] % x.dim(d) * strides[d];
                        }
                        return index;
                    }, 0));
                }).build();
    }
}
