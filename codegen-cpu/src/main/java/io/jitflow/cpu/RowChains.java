package io.jitflow.cpu;

import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Row chains: the kernels after a rank-2 matmul that each thread runs on the product's rows as soon
 * as it has computed them, as part of the product's epilogue, instead of one after another over
 * all rows. A chain is the kernels that follow the product in order while each is a map or
 * reduction along the product's rows (split along its first axis, of the product's row count) or a
 * further product of such rows by a matrix, and, of the storage the chain writes, every kernel of
 * the chain reads and writes only the rows it computes. Then a thread's rows go through the
 * chain without waiting for the others' (a classifier's product, its bias and softmax after a
 * dense layer: two threads hand work over once instead of six times). Results are the same bits
 * as kernel by kernel: each row's values are computed by the same code on whichever thread.
 */
final class RowChains {
    private RowChains() {
    }

    /** Per kernel: how many kernels after it run in its chain; -1 for one that runs in an earlier kernel's chain. */
    static int[] of(List<Kernel> kernels) {
        int[] chains = new int[kernels.size()];
        for (int i = 0; i < kernels.size(); i++) {
            if (!(kernels.get(i) instanceof Kernel.Matmul head) || head.output().type().shape().rank() != 2) {
                continue;
            }
            Dim rows = head.output().type().shape().dim(0);
            List<Access> accesses = new ArrayList<>(accesses(head, rows));
            int length = 0;
            while (i + length + 1 < kernels.size()) {
                List<Access> member = memberAccesses(kernels.get(i + length + 1), rows);
                if (member == null) {
                    break;
                }
                List<Access> longer = new ArrayList<>(accesses);
                longer.addAll(member);
                if (!rowsStayApart(longer, rows)) {
                    break;
                }
                accesses = longer;
                length++;
            }
            chains[i] = length;
            for (int m = 1; m <= length; m++) {
                chains[i + m] = -1;
            }
            i += length;
        }
        return chains;
    }

    /** One buffer a kernel reads or writes; row-local when only at the row the kernel computes. */
    private record Access(Buffer buffer, boolean write, boolean rowLocal) {
    }

    /** What a kernel of a chain over {@code rows} rows touches, or null when it cannot be one. */
    private static List<Access> memberAccesses(Kernel k, Dim rows) {
        if (k instanceof Kernel.Loop l) {
            boolean alongRows = l.space().rank() > 0 && l.space().dim(0).equals(rows)
                    && KernelEmitter.splitAxisOf(l) == 0;
            return alongRows ? loopAccesses(l, rows) : null;
        }
        if (k instanceof Kernel.Matmul m && m.accumulator().isFloating() && !m.transposeA()
                && m.a().type().shape().rank() == 2 && m.b().type().shape().rank() == 2
                && m.output().type().shape().rank() == 2 && m.output().type().shape().dim(0).equals(rows)) {
            return accesses(m, rows);
        }
        return null;
    }

    /** A rank-2 product's: its rows of A (unless transposed) and of C, all of B, its epilogue's loads. */
    private static List<Access> accesses(Kernel.Matmul m, Dim rows) {
        List<Access> accesses = new ArrayList<>(List.of(new Access(m.output(), true, true),
                new Access(m.a(), false, !m.transposeA() && m.a().type().shape().rank() == 2),
                new Access(m.b(), false, false)));
        if (!m.plainEpilogue()) {
            accesses.addAll(loopAccesses(m.epilogueLoop(), rows));
        }
        return accesses;
    }

    /**
     * A loop's along its first axis: its outputs, written at the point's kept coordinates (the
     * first the row), and its loads, row-local where their first index is the row's coordinate.
     */
    private static List<Access> loopAccesses(Kernel.Loop l, Dim rows) {
        List<Access> accesses = new ArrayList<>();
        for (Buffer out : l.outputs()) {
            accesses.add(new Access(out, true, true));
        }
        List<Expr> bodies = l instanceof Kernel.Map m ? m.results().stream().map(Kernel.Result::body).toList()
                : List.of(((Kernel.Reduce) l).body(), ((Kernel.Reduce) l).epilogue());
        for (Expr body : bodies) {
            Expr.forEachNode(body, e -> {
                if (e instanceof Expr.Load load) {
                    accesses.add(new Access(load.buffer(), false,
                            !load.index().isEmpty() && load.index().get(0).equals(new Expr.Coord(0))));
                }
            });
        }
        return accesses;
    }

    /**
     * Whether threads running the chain on disjoint rows never touch each other's elements: every
     * access to storage the chain writes is row-local, through a buffer whose rows of {@code rows}
     * are the storage's (the same row count and row size).
     */
    private static boolean rowsStayApart(List<Access> accesses, Dim rows) {
        Set<Buffer> written = new HashSet<>();
        for (Access a : accesses) {
            if (a.write()) {
                written.add(a.buffer().storage());
            }
        }
        for (Access a : accesses) {
            Buffer storage = a.buffer().storage();
            if (written.contains(storage) && !(a.rowLocal() && sameRows(a.buffer().type().shape(),
                    storage.type().shape(), rows))) {
                return false;
            }
        }
        return true;
    }

    /** Whether both shapes are {@code rows} rows of the same number of elements. */
    private static boolean sameRows(Shape a, Shape b, Dim rows) {
        if (a.rank() == 0 || b.rank() == 0 || !a.dim(0).equals(rows) || !b.dim(0).equals(rows)) {
            return false;
        }
        List<Dim> restOfA = a.dims().subList(1, a.rank());
        List<Dim> restOfB = b.dims().subList(1, b.rank());
        return restOfA.equals(restOfB) || staticCount(restOfA) >= 0 && staticCount(restOfA) == staticCount(restOfB);
    }

    /** The product of static dims, or -1 when one is symbolic. */
    private static long staticCount(List<Dim> dims) {
        long count = 1;
        for (Dim d : dims) {
            if (!d.isStatic()) {
                return -1;
            }
            count *= d.size();
        }
        return count;
    }
}
