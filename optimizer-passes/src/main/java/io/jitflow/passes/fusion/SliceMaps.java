package io.jitflow.passes.fusion;

import static io.jitflow.passes.fusion.IndexExprs.add;
import static io.jitflow.passes.fusion.IndexExprs.constant;
import static io.jitflow.passes.fusion.IndexExprs.mul;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.ir.ops.Slicing;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Index maps of slice and slice_update: a slice reads start + i * step in each dim. */
final class SliceMaps {
    private SliceMaps() {
    }

    /** Each dim's slice, or null for a dim taken whole (symbolic dims can only be taken whole). */
    private static Slicing.DimSlice[] slices(Attributes a, Shape shape) {
        long[] begin = a.getInts("begin");
        long[] end = a.getInts("end");
        long[] strides = a.has("strides") ? a.getInts("strides") : null;
        long beginMask = a.getInt("begin_mask");
        long endMask = a.getInt("end_mask");
        Slicing.DimSlice[] result = new Slicing.DimSlice[shape.rank()];
        for (int d = 0; d < begin.length; d++) {
            if (shape.dim(d).isStatic()) {
                result[d] = Slicing.sliceDim(shape.dim(d).size(), begin[d], end[d], strides == null ? 1 : strides[d],
                        (beginMask >> d & 1) != 0, (endMask >> d & 1) != 0);
            }
        }
        return result;
    }

    static List<Expr> sourceCoords(Attributes a, Shape operand, List<Expr> coords) {
        Slicing.DimSlice[] slices = slices(a, operand);
        List<Expr> result = new ArrayList<>();
        for (int d = 0; d < coords.size(); d++) {
            Slicing.DimSlice s = slices[d];
            result.add(s == null ? coords.get(d) : add(constant(s.start()), mul(coords.get(d), constant(s.step()))));
        }
        return result;
    }

    /** A slice that covers its dim in order: every position is covered, with no test. */
    private static boolean wholeDim(Slicing.DimSlice s, io.jitflow.ir.Dim dim) {
        return dim.isStatic() && s.start() == 0 && s.step() == 1 && s.count() == dim.size();
    }

    /** x with the slice replaced: at positions the slice covers, the update's element; elsewhere x's. */
    static Expr update(Attributes a, Shape x, List<Expr> coords, Function<List<Expr>, Expr> update, Expr original) {
        Slicing.DimSlice[] slices = slices(a, x);
        Expr covered = null;
        List<Expr> updateCoords = new ArrayList<>();
        for (int d = 0; d < coords.size(); d++) {
            Slicing.DimSlice s = slices[d];
            if (s == null || wholeDim(s, x.dim(d))) {
                updateCoords.add(coords.get(d));
                continue;
            }
            // Distance from the slice's start in steps: exact, non-negative and below the count when covered.
            Expr offset = IndexExprs.sub(coords.get(d), constant(s.start()));
            Expr forward = s.step() > 0 ? offset : mul(offset, constant(-1));
            long step = Math.abs(s.step());
            Expr aligned = Expr.binary(ScalarOp.EQ, IndexExprs.mod(forward, constant(step)), constant(0));
            Expr position = IndexExprs.div(forward, constant(step));
            covered = IndexExprs.and(covered, IndexExprs.and(Expr.binary(ScalarOp.GE, forward, constant(0)),
                    IndexExprs.and(aligned, Expr.binary(ScalarOp.LT, position, constant(s.count())))));
            updateCoords.add(position);
        }
        return covered == null ? update.apply(updateCoords) : new Expr.Select(covered, update.apply(updateCoords), original);
    }
}
