package io.jitflow.passes.fusion;

import static io.jitflow.passes.fusion.IndexExprs.constant;
import static io.jitflow.passes.fusion.IndexExprs.size;
import static io.jitflow.passes.fusion.IndexExprs.sub;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Value;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The index map of pad: inside, the operand shifted by the low padding; outside, a constant or a mirror. */
final class PadMaps {
    private PadMaps() {
    }

    static Expr pad(Attributes a, Value operand, List<Expr> coords, Function<List<Expr>, Expr> load) {
        long[] p = a.getInts("paddings");
        String mode = a.getString("mode");
        List<Expr> source = new ArrayList<>();
        Expr inside = null;
        for (int d = 0; d < coords.size(); d++) {
            Expr i = sub(coords.get(d), constant(p[2 * d]));
            Expr n = size(operand.type().shape().dim(d));
            switch (mode) {
                case "reflect" -> source.add(mirror(i, n, 0));
                case "symmetric" -> source.add(mirror(i, n, 1));
                default -> {
                    source.add(i);
                    if (p[2 * d] != 0 || p[2 * d + 1] != 0) {
                        inside = IndexExprs.and(inside, IndexExprs.inRange(i, constant(0), n));
                    }
                }
            }
        }
        Expr value = load.apply(source);
        if (inside == null) {
            return value;
        }
        Expr fill = Expr.cast(Expr.Const.of(DType.FLOAT64, a.getFloat("constant_value")), operand.type().dtype());
        return new Expr.Select(inside, value, fill);
    }

    /** Reflect (edge not repeated, shift 0) or symmetric (edge repeated, shift 1) positions outside [0, n). */
    private static Expr mirror(Expr i, Expr n, long shift) {
        Expr below = sub(Expr.binary(ScalarOp.MUL, i, constant(-1)), constant(shift));
        Expr above = sub(sub(Expr.binary(ScalarOp.MUL, n, constant(2)), constant(2 - shift)), i);
        return new Expr.Select(Expr.binary(ScalarOp.LT, i, constant(0)), below,
                new Expr.Select(Expr.binary(ScalarOp.GE, i, n), above, i));
    }
}
