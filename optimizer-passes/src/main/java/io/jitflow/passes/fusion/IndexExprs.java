package io.jitflow.passes.fusion;

import static io.jitflow.ir.kernel.Expr.index;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.ArrayList;
import java.util.List;

/** Integer index arithmetic for loads: constants fold as they are built, so simple maps stay simple. */
final class IndexExprs {
    private IndexExprs() {
    }

    static Expr constant(long v) {
        return Expr.Const.index(v);
    }

    static Expr size(Dim d) {
        return d.isStatic() ? constant(d.size()) : new Expr.Size(d);
    }

    /** The point's own coordinates, i0, i1, ... up to {@code rank}. */
    static List<Expr> identity(int rank) {
        List<Expr> coords = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            coords.add(new Expr.Coord(d));
        }
        return coords;
    }

    /** Whether {@code index} is the point's own coordinates, i0, i1, ... in order. */
    static boolean isIdentity(List<Expr> index) {
        for (int d = 0; d < index.size(); d++) {
            if (!(index.get(d) instanceof Expr.Coord c) || c.axis() != d) {
                return false;
            }
        }
        return true;
    }

    static boolean isConstant(Expr e, long v) {
        return e instanceof Expr.Const c && c.bits() == v;
    }

    static Expr add(Expr a, Expr b) {
        if (isConstant(b, 0)) {
            return a;
        }
        if (isConstant(a, 0)) {
            return b;
        }
        if (a instanceof Expr.Const x && b instanceof Expr.Const y) {
            return constant(x.bits() + y.bits());
        }
        return index(a, ScalarOp.ADD, b);
    }

    static Expr sub(Expr a, Expr b) {
        if (isConstant(b, 0)) {
            return a;
        }
        return index(a, ScalarOp.SUB, b);
    }

    static Expr mul(Expr a, Expr b) {
        if (isConstant(b, 1)) {
            return a;
        }
        if (isConstant(a, 1)) {
            return b;
        }
        if (isConstant(a, 0) || isConstant(b, 0)) {
            return constant(0);
        }
        return index(a, ScalarOp.MUL, b);
    }

    static Expr div(Expr a, Expr b) {
        return isConstant(b, 1) ? a : index(a, ScalarOp.FLOOR_DIV, b);
    }

    static Expr mod(Expr a, Expr b) {
        return isConstant(b, 1) ? constant(0) : index(a, ScalarOp.FLOOR_MOD, b);
    }

    /** The row-major flat position of {@code coords} in {@code shape}. */
    static Expr linearize(List<Expr> coords, Shape shape) {
        Expr flat = constant(0);
        for (int d = 0; d < coords.size(); d++) {
            flat = add(mul(flat, size(shape.dim(d))), coords.get(d));
        }
        return flat;
    }

    /** The coordinates of flat position {@code flat} in {@code shape}. */
    static List<Expr> delinearize(Expr flat, Shape shape) {
        List<Expr> coords = new ArrayList<>();
        Expr stride = constant(1);
        List<Expr> strides = new ArrayList<>();
        for (int d = shape.rank() - 1; d >= 0; d--) {
            strides.add(0, stride);
            stride = mul(stride, size(shape.dim(d)));
        }
        for (int d = 0; d < shape.rank(); d++) {
            coords.add(mod(div(flat, strides.get(d)), size(shape.dim(d))));
        }
        return coords;
    }

    /** A bool expression: {@code lo <= x < hi}. */
    static Expr inRange(Expr x, Expr lo, Expr hi) {
        return Expr.binary(ScalarOp.AND, Expr.binary(ScalarOp.GE, x, lo), Expr.binary(ScalarOp.LT, x, hi));
    }

    /** {@code a && b}, where a null condition is one that always holds. */
    static Expr and(Expr a, Expr b) {
        return a == null ? b : b == null ? a : Expr.binary(ScalarOp.AND, a, b);
    }

    static Expr asIndex(Expr x) {
        return Expr.cast(x, DType.INT32);
    }
}
