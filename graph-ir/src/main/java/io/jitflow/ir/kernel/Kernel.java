package io.jitflow.ir.kernel;

import io.jitflow.ir.Shape;
import java.util.List;

/** One kernel of a program: a loop nest (map or reduction), a matrix multiplication, or a scatter. */
public sealed interface Kernel {
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

    /**
     * Evaluates {@code body} at every point of {@code space}. Without reduced axes, writes the value
     * at the point (the output has the space's shape, or {@code outputIndex} places it), and so does
     * each sibling, a further map over the same space computed in the same pass (a multi-output
     * kernel). With reduced axes, folds the values along them with {@code reducer} (in
     * {@code accumulator}'s dtype), then writes {@code epilogue} (over {@link Expr.Acc}) at the kept
     * coordinates.
     */
    record Loop(List<String> fused, Shape space, Expr body, List<Integer> reducedAxes, Reducer reducer,
                io.jitflow.ir.DType accumulator, Expr epilogue, Buffer output, List<Expr> outputIndex,
                List<Sibling> siblings) implements Kernel {
        public Loop {
            reducedAxes = List.copyOf(reducedAxes);
            outputIndex = outputIndex == null ? null : List.copyOf(outputIndex);
            siblings = List.copyOf(siblings);
        }

        public Loop(List<String> fused, Shape space, Expr body, List<Integer> reducedAxes, Reducer reducer,
                    io.jitflow.ir.DType accumulator, Expr epilogue, Buffer output, List<Expr> outputIndex) {
            this(fused, space, body, reducedAxes, reducer, accumulator, epilogue, output, outputIndex, List.of());
        }

        /** A map writing {@code body} at every point of {@code space} into {@code output}. */
        public static Loop map(List<String> fused, Shape space, Expr body, Buffer output) {
            return new Loop(fused, space, body, List.of(), null, null, null, output, null);
        }

        public boolean isReduction() {
            return !reducedAxes.isEmpty();
        }

        /** Every value this map writes at a point, its own first, then its siblings'. */
        public List<Sibling> results() {
            List<Sibling> results = new java.util.ArrayList<>();
            results.add(new Sibling(body, output));
            results.addAll(siblings);
            return results;
        }

        @Override
        public List<Buffer> outputs() {
            return results().stream().map(Sibling::output).toList();
        }

        @Override
        public Loop withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Loop(fused, space, Expr.withBuffers(body, replace), reducedAxes, reducer, accumulator,
                    Expr.withBuffers(epilogue, replace), replace.apply(output),
                    outputIndex == null ? null : outputIndex.stream().map(i -> Expr.withBuffers(i, replace)).toList(),
                    siblings.stream().map(r -> new Sibling(Expr.withBuffers(r.body(), replace), replace.apply(r.output())))
                            .toList());
        }
    }

    /** One more value a map writes at each point of its space. */
    record Sibling(Expr body, Buffer output) {
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
        public Loop epilogueLoop() {
            int rank = output.type().shape().rank();
            List<Expr> coords = java.util.stream.IntStream.range(0, rank).<Expr>mapToObj(Expr.Coord::new).toList();
            Expr stored = Expr.cast(new Expr.Load(output, coords), accumulator);
            return Loop.map(fused, output.type().shape(), Expr.withAccumulator(epilogue, stored), output);
        }

        @Override
        public Matmul withBuffers(java.util.function.UnaryOperator<Buffer> replace) {
            return new Matmul(fused, replace.apply(a), replace.apply(b), transposeA, transposeB, accumulator,
                    Expr.withBuffers(epilogue, replace), replace.apply(output));
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
