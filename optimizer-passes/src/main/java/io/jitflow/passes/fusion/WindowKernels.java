package io.jitflow.passes.fusion;

import static io.jitflow.passes.fusion.IndexExprs.add;
import static io.jitflow.passes.fusion.IndexExprs.and;
import static io.jitflow.passes.fusion.IndexExprs.constant;
import static io.jitflow.passes.fusion.IndexExprs.div;
import static io.jitflow.passes.fusion.IndexExprs.identity;
import static io.jitflow.passes.fusion.IndexExprs.mod;
import static io.jitflow.passes.fusion.IndexExprs.mul;
import static io.jitflow.passes.fusion.IndexExprs.sub;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.ir.ops.Pooling;
import io.jitflow.ir.ops.WindowGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernels of the windowed ops (conv, conv_transpose, pooling), as reductions over the output
 * and the window: the iteration space is the output's dims followed by the window's taps (and, for
 * a convolution, the group's input channels), folded in the reference's order. Each tap's input
 * position is index arithmetic on the coordinates; taps that fall in the padding select the
 * padding value (0, or -inf for a max) without loading.
 */
final class WindowKernels {
    /** Makes the extra buffers a kernel needs (a temporary, a constant). */
    @FunctionalInterface
    interface Buffers {
        Buffer create(TensorType type, Buffer.Kind kind, HostTensor constant);
    }

    private final Node node;
    private final WindowGeometry g;
    private final List<String> fused;
    /** The output's dims: the first axes of every space here. */
    private final Shape output;

    private WindowKernels(Node node, WindowGeometry g, List<String> fused, Shape output) {
        this.node = node;
        this.g = g;
        this.fused = fused;
        this.output = output;
    }

    /** The kernels computing windowed op {@code n} into {@code out}, reading its operands from {@code operands}. */
    static List<Kernel> lower(Node n, List<Buffer> operands, Buffer out, List<String> fused, Expr epilogue,
                              Buffers buffers) {
        Attributes a = n.attributes();
        Shape x = n.inputs().get(0).type().shape();
        boolean last = WindowGeometry.channelsLast(a, IrException::new);
        int[] spatial = WindowGeometry.spatial(x, last, IrException::new);
        switch (n.op()) {
            case CONV, CONV_TRANSPOSE -> {
                Shape w = n.inputs().get(1).type().shape();
                int[] window = new int[w.rank() - 2];
                for (int i = 0; i < window.length; i++) {
                    window[i] = w.dim(i).size();
                }
                boolean transposed = n.op() == Op.CONV_TRANSPOSE;
                WindowGeometry g = transposed ? WindowGeometry.transposed(a, spatial, window, IrException::new)
                        : WindowGeometry.of(a, spatial, window, IrException::new);
                WindowKernels k = new WindowKernels(n, g, fused, out.type().shape());
                Buffer xb = operands.get(0);
                Buffer wb = operands.get(1);
                return last || k.groups() > 1 ? List.of(k.convolution(xb, wb, epilogue, out, transposed))
                        : k.channelsFirstGemm(xb, wb, epilogue, out, transposed, buffers);
            }
            case MAX_POOL, AVG_POOL, MAX_POOL_GRAD, MAX_POOL_SELECT -> {
                WindowGeometry g = WindowGeometry.of(a, spatial, Pooling.window(a, spatial.length, IrException::new),
                        IrException::new);
                Shape pooled = WindowGeometry.activation(x.dim(0), g.output(), x.dim(g.channelAxis()), last);
                WindowKernels k = new WindowKernels(n, g, fused, pooled);
                return switch (n.op()) {
                    case MAX_POOL, AVG_POOL -> {
                        boolean max = n.op() == Op.MAX_POOL;
                        Kernel.Reduce loop = max ? k.maxPool(operands.get(0), out) : k.avgPool(operands.get(0), out, buffers);
                        // Channels last, a direct loop over each point's channels may run it.
                        yield List.of(last ? new Kernel.Pool(loop, operands.get(0), max,
                                !max && a.getBool("count_include_pad"), g.window(), g.strides(), g.dilations(), g.padLo())
                                : loop);
                    }
                    case MAX_POOL_SELECT -> k.maxPoolSelect(operands.get(0), operands.get(1), out, buffers);
                    default -> k.maxPoolGrad(operands.get(0), operands.get(1), out, buffers);
                };
            }
            default -> throw new IrException("not a windowed op: " + n.op().mnemonic());
        }
    }

    /** Whether {@code op} is lowered here. */
    static boolean handles(Op op) {
        return op == Op.CONV || op == Op.CONV_TRANSPOSE || op == Op.MAX_POOL || op == Op.AVG_POOL
                || op == Op.MAX_POOL_GRAD || op == Op.MAX_POOL_SELECT;
    }

    // ---- convolutions: space [output dims, taps..., group input channels] ----

    /**
     * conv: out[o, m] sums x at each tap's input position (0 in the padding) times w[k, c, m];
     * conv_transpose: x at the output point whose window reads o with tap k (0 where none does)
     * times w[k, m, c]. The group's channels are the last axis. Channels last in one group, each
     * output point's patch is whole channel vectors: a {@link Kernel.Conv}, a GEMM row per point;
     * with a group per input channel, a {@link Kernel.Depthwise}.
     */
    private Kernel convolution(Buffer x, Buffer w, Expr epilogue, Buffer out, boolean transposed) {
        int r = g.rank();
        Expr m = outputChannel();
        Expr c = new Expr.Coord(2 * r + 2);
        int groups = groups();
        Dim filterOut = w.type().shape().dim(r + (transposed ? 0 : 1));
        Dim filterIn = w.type().shape().dim(r + (transposed ? 1 : 0));
        // Without groups a channel dim may be symbolic: a filter gradient's input channels are the batch.
        Dim groupIn = transposed && groups > 1 ? Dim.of(filterIn.size() / groups) : filterIn;
        int groupOut = groups == 1 ? 0 : transposed ? filterOut.size() : filterOut.size() / groups;
        Expr channel = groups == 1 ? c : add(mul(div(m, constant(groupOut)), constant(groupIn.size())), c);
        List<Expr> position = new ArrayList<>();
        Expr inside = null;
        for (int i = 0; i < r; i++) {
            inside = and(inside, transposed ? readingPoint(i, outputPoint(i), tap(i), position)
                    : readPosition(i, outputPoint(i), tap(i), position));
        }
        List<Expr> filterIndex = taps();
        filterIndex.add(transposed ? (groups > 1 ? mod(m, constant(groupOut)) : m) : c);
        filterIndex.add(transposed ? channel : m);
        Expr patch = guarded(inside, new Expr.Load(x, activationIndex(position, channel)));
        Expr filter = new Expr.Load(w, filterIndex);
        Kernel.Reduce loop = sum(space(groupIn), product(patch, filter), r + 1, epilogue, out);
        if (!g.channelsLast()) {
            return loop;
        }
        if (groups > 1) {
            boolean depthwise = !transposed && groupIn.equals(Dim.of(1));
            return depthwise ? new Kernel.Depthwise(loop, x, w, g.strides(), g.dilations(), g.padLo()) : loop;
        }
        // As a matrix product: rows are the output's points, depth the taps and channels, columns the filters.
        List<Dim> points = output.dims().subList(0, r + 1);
        List<Dim> depth = loop.space().dims().subList(r + 2, 2 * r + 3);
        java.util.Map<Integer, Expr> rowsByDepth = new java.util.HashMap<>();
        java.util.Map<Integer, Expr> depthByColumns = new java.util.HashMap<>();
        List<Expr> point = IndexExprs.delinearize(new Expr.Coord(0), Shape.of(points));
        List<Expr> patchDepth = IndexExprs.delinearize(new Expr.Coord(1), Shape.of(depth));
        List<Expr> filterDepth = IndexExprs.delinearize(new Expr.Coord(0), Shape.of(depth));
        for (int axis = 0; axis <= r; axis++) {
            rowsByDepth.put(axis, point.get(axis));
        }
        for (int axis = 0; axis <= r; axis++) {
            rowsByDepth.put(r + 2 + axis, patchDepth.get(axis));
            depthByColumns.put(r + 2 + axis, filterDepth.get(axis));
        }
        depthByColumns.put(r + 1, new Expr.Coord(1));
        return new Kernel.Conv(loop, x, w, transposed, g.strides(), g.dilations(), g.padLo(),
                substitute(patch, rowsByDepth), substitute(filter, depthByColumns));
    }

    /** {@code e} with each coordinate of the loop's space replaced by its expression over the matrix's. */
    private static Expr substitute(Expr e, java.util.Map<Integer, Expr> coordinates) {
        return Expr.replaceLeaves(e, leaf -> leaf instanceof Expr.Coord c ? coordinates.get(c.axis()) : leaf);
    }

    /**
     * A channels-first convolution as the channels-last GEMM: x transposed once to channels last,
     * the implicit GEMM into a channels-last buffer, then the result (through the epilogue)
     * transposed back into the output.
     */
    private List<Kernel> channelsFirstGemm(Buffer x, Buffer w, Expr epilogue, Buffer out, boolean transposed,
                                           Buffers buffers) {
        WindowGeometry last = new WindowGeometry(true, g.input(), g.window(), g.strides(), g.dilations(), g.padLo(),
                g.padHi(), g.output());
        DType dtype = x.type().dtype();
        Buffer xLast = buffers.create(new TensorType(dtype, toLast(x.type().shape())), Buffer.Kind.TEMP, null);
        Shape outLast = toLast(output);
        Buffer yLast = buffers.create(new TensorType(dtype, outLast), Buffer.Kind.TEMP, null);
        String name = fused.get(0);
        Kernel in = Kernel.Map.of(List.of(name + ".channels_last"), xLast.type().shape(),
                new Expr.Load(x, toFirst(identity(output.rank()))), xLast);
        WindowKernels k = new WindowKernels(node, last, List.of(name), outLast);
        Kernel conv = k.convolution(xLast, w, Expr.cast(new Expr.Acc(DType.FLOAT64), dtype), yLast, transposed);
        Expr stored = Expr.cast(new Expr.Load(yLast, toLast(identity(output.rank()))), DType.FLOAT64);
        return List.of(in, conv, Kernel.Map.of(fused, output, Expr.withAccumulator(epilogue, stored), out));
    }

    /** A channels-first shape's channels-last layout: [batch, spatial..., channels]. */
    private static Shape toLast(Shape first) {
        List<Dim> dims = new ArrayList<>(first.dims());
        dims.add(dims.remove(1));
        return Shape.of(dims);
    }

    /** Channels-last coordinates as a channels-first index. */
    private static List<Expr> toFirst(List<Expr> last) {
        List<Expr> index = new ArrayList<>(last);
        index.add(1, index.remove(index.size() - 1));
        return index;
    }

    /** Channels-first coordinates as a channels-last index. */
    private static List<Expr> toLast(List<Expr> first) {
        List<Expr> index = new ArrayList<>(first);
        index.add(index.remove(1));
        return index;
    }

    /**
     * Along spatial dim {@code i}: adds the input position output {@code point} reads with
     * {@code tap}, and returns when it is inside the input (null: always).
     */
    private Expr readPosition(int i, Expr point, Expr tap, List<Expr> positions) {
        Expr p = sub(add(mul(point, constant(g.strides()[i])), mul(tap, constant(g.dilations()[i]))),
                constant(g.padLo()[i]));
        positions.add(p);
        Expr inside = g.padsBelow(i) ? Expr.binary(ScalarOp.GE, p, constant(0)) : null;
        return and(inside, g.padsAbove(i) ? Expr.binary(ScalarOp.LT, p, constant(g.input()[i])) : null);
    }

    /**
     * Along spatial dim {@code i}: adds the output point whose window reads input {@code point}
     * with {@code tap}, and returns when there is one.
     */
    private Expr readingPoint(int i, Expr point, Expr tap, List<Expr> points) {
        Expr t = sub(add(point, constant(g.padLo()[i])), mul(tap, constant(g.dilations()[i])));
        Expr reads = Expr.binary(ScalarOp.GE, t, constant(0));
        int stride = g.strides()[i];
        if (stride == 1) {
            points.add(t);
            return and(reads, Expr.binary(ScalarOp.LT, t, constant(g.output()[i])));
        }
        // t may be negative, t + shift (a multiple of the stride) never is: division and remainder
        // by the constant stride then truncate, which is cheap, and still give floor's answers.
        long shift = ((long) g.dilations()[i] * (g.window()[i] - 1) + stride - 1) / stride * stride;
        Expr shifted = add(t, constant(shift));
        Expr quotient = Expr.index(shifted, ScalarOp.DIV, constant(stride));
        points.add(sub(quotient, constant(shift / stride)));
        reads = and(reads, Expr.binary(ScalarOp.EQ, sub(shifted, mul(quotient, constant(stride))), constant(0)));
        return and(reads, Expr.binary(ScalarOp.LT, quotient, constant(g.output()[i] + shift / stride)));
    }

    private int groups() {
        return (int) node.attributes().getInt("groups");
    }

    private static Expr product(Expr a, Expr b) {
        return Expr.binary(ScalarOp.MUL, Expr.cast(a, DType.FLOAT64), Expr.cast(b, DType.FLOAT64));
    }

    private Kernel.Reduce sum(Shape space, Expr body, int folded, Expr epilogue, Buffer out) {
        return new Kernel.Reduce(fused, space, body, trailingAxes(space.rank(), folded), Kernel.Reducer.SUM,
                DType.FLOAT64, epilogue, out);
    }

    // ---- pooling: space [output dims, taps...] ----

    private Kernel.Reduce maxPool(Buffer x, Buffer out) {
        DType dtype = x.type().dtype();
        Expr body = windowValue(x, taps(), Double.NEGATIVE_INFINITY);
        return new Kernel.Reduce(fused, space(null), body, trailingAxes(output.rank() + g.rank(), g.rank()),
                Kernel.Reducer.MAX, DType.FLOAT64, Expr.cast(new Expr.Acc(DType.FLOAT64), dtype), out);
    }

    /** The window's sum divided by its taps, or by the taps inside the input: a constant per output point. */
    private Kernel.Reduce avgPool(Buffer x, Buffer out, Buffers buffers) {
        DType dtype = x.type().dtype();
        Expr body = windowValue(x, taps(), 0);
        boolean padded = false;
        for (int i = 0; i < g.rank(); i++) {
            padded |= g.padsBelow(i) || g.padsAbove(i);
        }
        Shape space = space(null);
        Expr count = Expr.Const.of(DType.FLOAT64, g.windowSize());
        if (padded && !node.attributes().getBool("count_include_pad")) {
            HostTensor.Writer counts = HostTensor.writer(DType.FLOAT64, g.output());
            int[] taps = g.insideTaps();
            for (int i = 0; i < taps.length; i++) {
                counts.setDouble(i, taps[i]);
            }
            List<Expr> point = new ArrayList<>();
            for (int i = 0; i < g.rank(); i++) {
                point.add(outputPoint(i));
            }
            count = new Expr.Load(buffers.create(TensorType.of(DType.FLOAT64, g.output()), Buffer.Kind.CONSTANT,
                    counts.build()), point);
        }
        Expr mean = Expr.binary(ScalarOp.DIV, new Expr.Acc(DType.FLOAT64), count);
        return new Kernel.Reduce(fused, space, body, trailingAxes(space.rank(), g.rank()), Kernel.Reducer.SUM,
                DType.FLOAT64, Expr.cast(mean, dtype), out);
    }

    /**
     * max_pool_grad in two kernels: each window's first largest tap (an argmax over the window's
     * taps, flattened), then, for each input element, the sum over its taps of the gradients of the
     * windows that chose it.
     */
    private List<Kernel> maxPoolGrad(Buffer x, Buffer dy, Buffer out, Buffers buffers) {
        int r = g.rank();
        Shape window = Shape.of(g.window());
        Buffer chosen = buffers.create(new TensorType(DType.INT32, output), Buffer.Kind.TEMP, null);
        Kernel argmax = firstLargestTaps(x, chosen);
        Shape input = x.type().shape();
        Expr tap = new Expr.Coord(input.rank());
        List<Expr> tapCoords = IndexExprs.delinearize(tap, window);
        List<Expr> origin = new ArrayList<>();
        Expr reads = null;
        for (int i = 0; i < r; i++) {
            reads = and(reads, readingPoint(i, new Expr.Coord(g.spatialAxis(i)), tapCoords.get(i), origin));
        }
        List<Expr> windowAt = activationIndex(origin, new Expr.Coord(g.channelAxis()));
        Expr zero = Expr.Const.of(DType.FLOAT64, 0);
        Expr passed = new Expr.Select(Expr.binary(ScalarOp.EQ, new Expr.Load(chosen, windowAt), tap),
                Expr.cast(new Expr.Load(dy, windowAt), DType.FLOAT64), zero);
        List<Dim> gradSpace = new ArrayList<>(input.dims());
        gradSpace.add(Dim.of(g.windowSize()));
        Kernel.Reduce gradient = new Kernel.Reduce(fused, Shape.of(gradSpace), new Expr.Select(reads, passed, zero),
                List.of(input.rank()), Kernel.Reducer.SUM, DType.FLOAT64,
                Expr.cast(new Expr.Acc(DType.FLOAT64), x.type().dtype()), out);
        DType dtype = x.type().dtype();
        boolean direct = g.channelsLast() && !overlapping() && (dtype == DType.FLOAT32 || dtype == DType.FLOAT64);
        return List.of(argmax, direct ? new Kernel.PoolGrad(gradient, dy, chosen, g.window(), g.strides(), g.dilations(),
                g.padLo()) : gradient);
    }

    /** Whether some input point lies in two windows (a stride shorter than the dilated window along some dim). */
    private boolean overlapping() {
        for (int i = 0; i < g.rank(); i++) {
            if (g.strides()[i] < g.dilations()[i] * (g.window()[i] - 1) + 1) {
                return true;
            }
        }
        return false;
    }

    /** max_pool_select: the chosen taps, then z at each one (a sum over the window that adds only it). */
    private List<Kernel> maxPoolSelect(Buffer x, Buffer z, Buffer out, Buffers buffers) {
        Buffer chosen = buffers.create(new TensorType(DType.INT32, output), Buffer.Kind.TEMP, null);
        Expr flatTap = new Expr.Coord(output.rank());
        Expr selected = new Expr.Select(Expr.binary(ScalarOp.EQ, new Expr.Load(chosen, identity(output.rank())), flatTap),
                Expr.cast(windowValue(z, IndexExprs.delinearize(flatTap, Shape.of(g.window())), 0), DType.FLOAT64),
                Expr.Const.of(DType.FLOAT64, 0));
        List<Dim> space = new ArrayList<>(output.dims());
        space.add(Dim.of(g.windowSize()));
        return List.of(firstLargestTaps(x, chosen), new Kernel.Reduce(fused, Shape.of(space), selected,
                List.of(output.rank()), Kernel.Reducer.SUM, DType.FLOAT64,
                Expr.cast(new Expr.Acc(DType.FLOAT64), z.type().dtype()), out));
    }

    /** Each window's first largest tap of {@code x} (an argmax over its taps, flattened) into {@code chosen}. */
    private Kernel firstLargestTaps(Buffer x, Buffer chosen) {
        List<Expr> taps = IndexExprs.delinearize(new Expr.Coord(output.rank()), Shape.of(g.window()));
        List<Dim> space = new ArrayList<>(output.dims());
        space.add(Dim.of(g.windowSize()));
        Kernel.Reduce loop = new Kernel.Reduce(List.of(fused.get(0) + ".argmax"), Shape.of(space),
                windowValue(x, taps, Double.NEGATIVE_INFINITY), List.of(output.rank()), Kernel.Reducer.ARGMAX,
                DType.INT64, Expr.cast(new Expr.Acc(DType.INT64), DType.INT32), chosen);
        DType dtype = x.type().dtype();
        return g.channelsLast() && (dtype == DType.FLOAT32 || dtype == DType.FLOAT64)
                ? new Kernel.PoolArgmax(loop, x, g.window(), g.strides(), g.dilations(), g.padLo()) : loop;
    }

    /** {@code x} at the window tap {@code taps} of the output point, or {@code padding} outside the input. */
    private Expr windowValue(Buffer x, List<Expr> taps, double padding) {
        List<Expr> position = new ArrayList<>();
        Expr inside = null;
        for (int i = 0; i < g.rank(); i++) {
            inside = and(inside, readPosition(i, outputPoint(i), taps.get(i), position));
        }
        Expr value = new Expr.Load(x, activationIndex(position, new Expr.Coord(g.channelAxis())));
        return inside == null ? value : new Expr.Select(inside, value, Expr.Const.of(value.dtype(), padding));
    }

    // ---- coordinates ----

    /** The output's dims followed by the window's taps and then {@code extra} (if not null). */
    private Shape space(Dim extra) {
        List<Dim> dims = new ArrayList<>(output.dims());
        for (int k : g.window()) {
            dims.add(Dim.of(k));
        }
        if (extra != null) {
            dims.add(extra);
        }
        return Shape.of(dims);
    }

    private Expr outputPoint(int i) {
        return new Expr.Coord(g.spatialAxis(i));
    }

    private Expr outputChannel() {
        return new Expr.Coord(g.channelAxis());
    }

    private Expr tap(int i) {
        return new Expr.Coord(output.rank() + i);
    }

    private List<Expr> taps() {
        List<Expr> taps = new ArrayList<>();
        for (int i = 0; i < g.rank(); i++) {
            taps.add(tap(i));
        }
        return taps;
    }

    /** The index of element (batch coordinate, position..., channel) in an activation of this layout. */
    private List<Expr> activationIndex(List<Expr> position, Expr channel) {
        List<Expr> index = new ArrayList<>();
        index.add(new Expr.Coord(0));
        if (!g.channelsLast()) {
            index.add(channel);
        }
        index.addAll(position);
        if (g.channelsLast()) {
            index.add(channel);
        }
        return index;
    }

    private static Expr guarded(Expr inside, Expr value) {
        return inside == null ? value : new Expr.Select(inside, value, Expr.Const.of(value.dtype(), 0));
    }

    private static List<Integer> trailingAxes(int rank, int count) {
        List<Integer> axes = new ArrayList<>();
        for (int d = rank - count; d < rank; d++) {
            axes.add(d);
        }
        return axes;
    }

}
