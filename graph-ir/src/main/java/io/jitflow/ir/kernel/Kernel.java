package io.jitflow.ir.kernel;

import io.jitflow.ir.Shape;
import java.util.List;

/**
 * One kernel of a program: a loop nest (map or reduction), a matrix multiplication, a convolution, a
 * scatter, or a control-flow op whose regions are programs of their own.
 */
public sealed interface Kernel permits Kernel.Loop, Kernel.Matmul, Kernel.Windowed, Kernel.ScatterAdd, Kernel.Control {
    /** The graph nodes (by result name) this kernel computes, for fusion tests and dumps. */
    List<String> fused();

    /** The buffer this kernel writes (the first, for a map with siblings). */
    Buffer output();

    /** Every buffer this kernel writes. */
    default List<Buffer> outputs() {
        return List.of(output());
    }

    /** This kernel with every buffer it reads or writes replaced by {@code replace}'s answer for it. */
    Kernel withBuffers(java.util.function.UnaryOperator<Buffer> replace);

    /** The buffers this kernel reads (every buffer it refers to but its outputs). */
    default java.util.Set<Buffer> reads() {
        java.util.Set<Buffer> reads = new java.util.HashSet<>();
        withBuffers(b -> {
            reads.add(b);
            return b;
        });
        outputs().forEach(reads::remove);
        return reads;
    }

    /** How a reduction folds values along its reduced axes. */
    enum Reducer { SUM, PROD, MAX, MIN, ANY, ALL, ARGMAX, ARGMIN }

    /** A loop nest over an iteration space: a map or a reduction. */
    sealed interface Loop extends Kernel permits Map, Reduce {
        Shape space();

        /** The axes of {@link #space} folded into each output point (none for a map). */
        default List<Integer> reducedAxes() {
            return List.of();
        }
    }

    /**
     * Evaluates each result's body at every point of {@code space} and writes it there: the first
     * result, then its siblings, further maps over the same space computed in the same pass (a
     * multi-output kernel).
     */
    record Map(List<String> fused, Shape space, List<Result> results) implements Loop {
        public Map {
            results = List.copyOf(results);
            if (results.isEmpty()) {
                throw new IllegalArgumentException("a map writes at least one result");
            }
        }

        /** A map writing {@code body} at every point of {@code space} into {@code output}. */
        public static Map of(List<String> fused, Shape space, Expr body, Buffer output) {
            return new Map(fused, space, List.of(new Result(body, output)));
        }

        /** The first result's value. */
        public Expr body() {
            return results.get(0).body();
        }

        @Override
        public Buffer output() {
            return results.get(0).output();
        }

        @Override
        public List<Buffer> outputs() {
            return results.stream().map(Result::output).toList();
        }

        @Override
        public Map withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Map(fused, space, results.stream()
                    .map(r -> new Result(Expr.withBuffers(r.body(), replace), replace.apply(r.output()))).toList());
        }
    }

    /** One value a map writes at each point of its space. */
    record Result(Expr body, Buffer output) {
    }

    /**
     * Folds {@code body} over the {@code reducedAxes} of {@code space} with {@code reducer} (in
     * {@code accumulator}'s dtype), then writes {@code epilogue} (over {@link Expr.Acc}) at the kept
     * coordinates.
     */
    record Reduce(List<String> fused, Shape space, Expr body, List<Integer> reducedAxes, Reducer reducer,
                  io.jitflow.ir.DType accumulator, Expr epilogue, Buffer output) implements Loop {
        public Reduce {
            reducedAxes = List.copyOf(reducedAxes);
            if (reducedAxes.isEmpty()) {
                throw new IllegalArgumentException("a reduction folds at least one axis");
            }
        }

        /** Whether it finds the position of the first maximum or minimum rather than folding values. */
        public boolean isArg() {
            return reducer == Reducer.ARGMAX || reducer == Reducer.ARGMIN;
        }

        @Override
        public Reduce withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Reduce(fused, space, Expr.withBuffers(body, replace), reducedAxes, reducer, accumulator,
                    Expr.withBuffers(epilogue, replace), replace.apply(output));
        }
    }

    /**
     * out[..., i, j] = epilogue(sum_p a[..., i, p] * b[..., p, j]) with transposes and broadcast batch
     * dims; the sum is kept in {@code accumulator}'s dtype. The epilogue may load other buffers at
     * the output coordinates (a bias, say).
     */
    record Matmul(List<String> fused, Buffer a, Buffer b, boolean transposeA, boolean transposeB,
                  io.jitflow.ir.DType accumulator, Expr epilogue, Buffer output) implements Kernel {
        /** Whether the epilogue only rounds the accumulator to the output's dtype. */
        public boolean plainEpilogue() {
            return epilogue.equals(Expr.cast(new Expr.Acc(accumulator), output.type().dtype()));
        }

        /**
         * The epilogue as a map over the output, in place: each element, read back as the
         * accumulator, becomes the epilogue's value there. A backend may run it after the product.
         */
        public Map epilogueLoop() {
            return epilogueMap(fused, accumulator, epilogue, output);
        }

        @Override
        public Matmul withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Matmul(fused, replace.apply(a), replace.apply(b), transposeA, transposeB, accumulator,
                    Expr.withBuffers(epilogue, replace), replace.apply(output));
        }
    }

    /**
     * A convolution or its transpose over channels-last activations, in one group: its meaning is
     * {@link #loop}, a sum over the output's points of taps then channels (space: the output's dims,
     * the window's, the input channels). A backend may instead compute it as a matrix product, an
     * implicit GEMM: row i of {@link #patch} (over {@code i0} = the output point, flattened, and
     * {@code i1} = the tap and channel, flattened) holds point i's taps' channel vectors, zeros for
     * padding; {@link #filter} (over {@code i0} = tap and channel, {@code i1} = output channel) is the
     * filter as a matrix; their product, summed in the same order, is the output [points, channels].
     * conv's filter is [taps..., channels, filters]; conv_transpose's [taps..., filters, channels].
     * Output point o reads input position {@code o * stride + k * dilation - padLo} with tap k
     * (conv), or the position i with {@code i * stride + k * dilation - padLo = o} (conv_transpose).
     */
    record Conv(Reduce loop, Buffer x, Buffer w, boolean transposed, int[] strides, int[] dilations, int[] padLo,
                Expr patch, Expr filter) implements Windowed {
        @Override
        public Conv withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Conv(loop.withBuffers(replace), replace.apply(x), replace.apply(w), transposed, strides, dilations,
                    padLo, Expr.withBuffers(patch, replace), Expr.withBuffers(filter, replace));
        }
    }

    /**
     * A depthwise convolution over channels-last activations: as many groups as input channels,
     * each with the filter's {@code out_channels / in_channels} filters of its own. Its meaning is
     * {@link #loop}; a backend may run it as a direct loop over each output point's channels.
     */
    record Depthwise(Reduce loop, Buffer x, Buffer w, int[] strides, int[] dilations, int[] padLo) implements Windowed {
        @Override
        public Depthwise withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Depthwise(loop.withBuffers(replace), replace.apply(x), replace.apply(w), strides, dilations, padLo);
        }
    }

    /**
     * A max or average pool over channels-last activations, the window of {@code window} taps (an
     * average divides by the taps inside the input unless {@code countIncludePad}): its meaning is
     * {@link #loop}; a backend may run it as a direct loop over each output point's channels.
     */
    record Pool(Reduce loop, Buffer x, boolean max, boolean countIncludePad, int[] window, int[] strides,
                int[] dilations, int[] padLo) implements Windowed {
        /** Nothing follows the pool: its own routine computes the whole loop, an average's division included. */
        @Override
        public boolean plainEpilogue() {
            return true;
        }

        @Override
        public Pool withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Pool(loop.withBuffers(replace), replace.apply(x), max, countIncludePad, window, strides, dilations,
                    padLo);
        }
    }

    /**
     * Each window's first largest tap (flat, row-major over the window; padding is -inf) over
     * channels-last activations {@link #x}, into an int32 buffer of the pooled shape, for a max
     * pool's gradient: its meaning is {@link #loop} (an argmax over the window per pooled point);
     * a backend may run it as a direct loop over each pooled point's channels.
     */
    record PoolArgmax(Reduce loop, Buffer x, int[] window, int[] strides, int[] dilations, int[] padLo)
            implements Windowed {
        /** Nothing follows: its own routine computes the whole loop. */
        @Override
        public boolean plainEpilogue() {
            return true;
        }

        @Override
        public PoolArgmax withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new PoolArgmax(loop.withBuffers(replace), replace.apply(x), window, strides, dilations, padLo);
        }
    }

    /**
     * A max pool's gradient over channels-last activations whose windows do not overlap: its
     * meaning is {@link #loop} (each input point sums the gradient {@link #x} of the windows whose
     * first largest tap, in {@link #chosen}, it is); a backend may instead pass each window's
     * gradient to its chosen tap directly, as at most one window reaches each point.
     */
    record PoolGrad(Reduce loop, Buffer x, Buffer chosen, int[] window, int[] strides, int[] dilations, int[] padLo)
            implements Windowed {
        /** Nothing follows: its own routine computes the whole loop. */
        @Override
        public boolean plainEpilogue() {
            return true;
        }

        @Override
        public PoolGrad withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new PoolGrad(loop.withBuffers(replace), replace.apply(x), replace.apply(chosen), window, strides,
                    dilations, padLo);
        }
    }

    /**
     * A convolution or pooling kernel: its meaning is {@link #loop} (a fold over the output and the
     * window of the input {@link #x}, times a filter for a convolution); a backend may run a routine
     * of its own instead, which folds each point in the same order, then the epilogue as a map.
     */
    sealed interface Windowed extends Kernel permits Conv, Depthwise, Pool, PoolArgmax, PoolGrad {
        Reduce loop();

        Buffer x();

        int[] strides();

        int[] dilations();

        int[] padLo();

        @Override
        default List<String> fused() {
            return loop().fused();
        }

        @Override
        default Buffer output() {
            return loop().output();
        }

        /** Whether the epilogue only rounds the sum to the output's dtype. */
        default boolean plainEpilogue() {
            return loop().epilogue().equals(Expr.cast(new Expr.Acc(loop().accumulator()), output().type().dtype()));
        }

        /** The epilogue as a map over the output, in place, as {@link Matmul#epilogueLoop}. */
        default Map epilogueLoop() {
            return epilogueMap(fused(), loop().accumulator(), loop().epilogue(), output());
        }
    }

    /** An epilogue as a map over {@code output}, in place: each element, read back as the accumulator, becomes the epilogue's value there. */
    private static Map epilogueMap(List<String> fused, io.jitflow.ir.DType accumulator, Expr epilogue, Buffer output) {
        int rank = output.type().shape().rank();
        List<Expr> coords = java.util.stream.IntStream.range(0, rank).<Expr>mapToObj(Expr.Coord::new).toList();
        Expr stored = Expr.cast(new Expr.Load(output, coords), accumulator);
        return Map.of(fused, output.type().shape(), Expr.withAccumulator(epilogue, stored), output);
    }

    /**
     * A cond, while or scan ({@code op}, with its complete attributes; see {@code ops.ControlFlow}) over
     * whole buffers: the host runs it, calling its regions, each a program whose inputs and outputs are
     * the region's in order. It reads {@code operands} and writes {@code results}, never in place.
     */
    record Control(List<String> fused, io.jitflow.ir.Op op, io.jitflow.ir.Attributes attrs, List<Buffer> operands,
                   List<Buffer> results, List<KernelProgram> regions) implements Kernel {
        public Control {
            operands = List.copyOf(operands);
            results = List.copyOf(results);
            regions = List.copyOf(regions);
            if (results.isEmpty()) {
                throw new IllegalArgumentException(op + " writes at least one result");
            }
        }

        @Override
        public Buffer output() {
            return results.get(0);
        }

        @Override
        public List<Buffer> outputs() {
            return results;
        }

        @Override
        public Control withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Control(fused, op, attrs, operands.stream().map(replace).toList(),
                    results.stream().map(replace).toList(), regions);
        }

        /** This kernel with each region program replaced by {@code transform}'s answer for it. */
        public Control withRegions(java.util.function.UnaryOperator<KernelProgram> transform) {
            return new Control(fused, op, attrs, operands, results, regions.stream().map(transform).toList());
        }
    }

    /** output = x, then output[gather position of i] += updates[i] for every update, as scatter_add. */
    record ScatterAdd(List<String> fused, Buffer x, Buffer indices, Buffer updates, int axis, int batchDims,
                      Buffer output) implements Kernel {
        @Override
        public ScatterAdd withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new ScatterAdd(fused, replace.apply(x), replace.apply(indices), replace.apply(updates), axis, batchDims,
                    replace.apply(output));
        }
    }
}
