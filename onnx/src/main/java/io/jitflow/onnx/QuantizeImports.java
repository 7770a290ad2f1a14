package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Linear quantization in the integer types Jitflow has: QuantizeLinear to uint8, DequantizeLinear
 * from uint8 and int32, DynamicQuantizeLinear. A scale (and zero point) applies per tensor (one
 * value), per axis (one per position of `axis`) or per block (`block_size` positions of `axis`
 * each). Quantizing divides in the scale's precision, rounds half to even, adds the zero point and
 * saturates to [0, 255]; dequantizing subtracts the zero point and multiplies by the scale.
 */
final class QuantizeImports {
    private QuantizeImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("QuantizeLinear", QuantizeImports::quantize);
        r.op("DequantizeLinear", QuantizeImports::dequantize);
        r.ops("DynamicQuantizeLinear", QuantizeImports::dynamicQuantize);
    }

    private static Operand quantize(ImportContext c) {
        Operand x = c.in(0);
        Operand scale = c.in(1);
        DType target = c.has(2) ? c.in(2).type.dtype() : c.hasAttr("output_dtype")
                ? TensorProtos.dtype((int) c.attrInt("output_dtype", 0), "QuantizeLinear's 'output_dtype'") : DType.UINT8;
        if (target != DType.UINT8) {
            throw c.error("only uint8 is quantized to (Jitflow has no int8, int16 or 4-bit types), got " + target);
        }
        DType t = scale.type.dtype();
        Operand q = c.emit(Op.ROUND, c.emit(Op.DIV, c.cast(x, t), granular(c, scale, x)));
        if (c.has(2)) {
            q = c.emit(Op.ADD, q, granular(c, c.cast(c.in(2), t), x));
        }
        return saturate(c, q);
    }

    private static Operand dequantize(ImportContext c) {
        Operand x = c.in(0);
        Operand scale = c.in(1);
        DType t = scale.type.dtype();
        Operand v = c.cast(x, t);
        if (c.has(2)) {
            v = c.emit(Op.SUB, v, granular(c, c.cast(c.in(2), t), x));
        }
        Operand y = c.emit(Op.MUL, v, granular(c, scale, x));
        return c.hasAttr("output_dtype")
                ? c.cast(y, TensorProtos.dtype((int) c.attrInt("output_dtype", 0), "DequantizeLinear's 'output_dtype'")) : y;
    }

    /** y, y_scale and y_zero_point of uint8 quantization over x's range widened to hold 0. */
    private static List<Operand> dynamicQuantize(ImportContext c) {
        Operand x = c.in(0);
        DType t = x.type.dtype();
        Operand zero = c.scalar(t, 0);
        Operand low = c.emit(Op.MINIMUM, c.reduce(Op.REDUCE_MIN, x, null, false), zero);
        Operand high = c.emit(Op.MAXIMUM, c.reduce(Op.REDUCE_MAX, x, null, false), zero);
        Operand scale = c.emit(Op.DIV, c.emit(Op.SUB, high, low), c.scalar(t, 255));
        Operand zeroPoint = c.emit(Op.ROUND, c.emit(Op.DIV, c.emit(Op.NEG, low), scale));
        zeroPoint = c.emit(Op.CLIP, zeroPoint, zero, c.scalar(t, 255));
        Operand y = saturate(c, c.emit(Op.ADD, c.emit(Op.ROUND, c.emit(Op.DIV, x, scale)), zeroPoint));
        return List.of(y, scale, c.cast(zeroPoint, DType.UINT8));
    }

    private static Operand saturate(ImportContext c, Operand q) {
        DType t = q.type.dtype();
        return c.cast(c.emit(Op.CLIP, q, c.scalar(t, 0), c.scalar(t, 255)), DType.UINT8);
    }

    /** A scale or zero point laid out to broadcast against x: per tensor, per axis or per block. */
    private static Operand granular(ImportContext c, Operand s, Operand x) {
        if (s.shape().isStatic() && s.shape().elementCount() == 1) {
            return c.emit(Op.RESHAPE, attrs().put("shape", Shape.scalar()).build(), s);
        }
        int rank = x.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", 1), rank);
        int size = c.staticDim(x, axis);
        long block = c.attrInt("block_size", 0);
        if (block == 0) {
            if (s.rank() != 1 || c.staticDim(s, 0) != size) {
                throw c.error("a per-axis scale must have the " + size + " values of axis " + axis + ", got " + s.type);
            }
            int[] along = new int[rank];
            java.util.Arrays.fill(along, 1);
            along[axis] = size;
            return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(along)).build(), s);
        }
        int blocks = c.staticDim(s, axis);
        if (s.rank() != rank || blocks != (size + block - 1) / block) {
            throw c.error("a blocked scale must have x's shape with ceil(" + size + " / " + block + ") along axis " + axis
                    + ", got " + s.type);
        }
        List<Dim> wide = new ArrayList<>(s.shape().dims());
        wide.add(axis + 1, Dim.of((int) block));
        Operand repeated = c.emit(Op.BROADCAST_TO, attrs().put("shape", Shape.of(wide)).build(), c.expandDims(s, axis + 1));
        Operand flat = c.emit(Op.RESHAPE, attrs().put("shape", s.shape().withDim(axis, Dim.of((int) (blocks * block))))
                .build(), repeated);
        return c.sliceAxis(flat, axis, 0, size, 1);
    }
}
