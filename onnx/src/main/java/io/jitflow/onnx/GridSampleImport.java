package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * GridSample and AffineGrid. GridSample reads X ([N, C, spatial...]) at the grid's points ([N,
 * out..., k], each point's coordinates innermost dim first, normalized to [-1, 1]): each
 * coordinate becomes a pixel position (align_corners: -1 and 1 are the edge pixels' centres, else
 * their outer edges), rounded to even for "nearest"; outside the border it is clamped ("border")
 * or reflected into it ("reflection"). The value is a weighted sum of the neighbours along each
 * dim (1 for nearest, 2 for linear, 4 for cubic with Keys's a = -0.75), each neighbour's index
 * padded on its own: zero outside ("zeros"), clamped, or reflected; the neighbours are gathers of
 * X with its spatial dims flattened.
 */
final class GridSampleImport {
    private GridSampleImport() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("GridSample", GridSampleImport::gridSample);
        r.op("AffineGrid", GridSampleImport::affineGrid, 1);
    }

    private static final double CUBIC_A = -0.75;

    private static Operand gridSample(ImportContext c) {
        Operand x = c.in(0);
        Operand grid = c.in(1);
        int k = x.rank() - 2;
        if (k < 1 || grid.rank() != k + 2 || c.staticDim(grid, k + 1) != k) {
            throw c.error("grid must be [N, out..., " + k + "] for X " + x.type + ", got " + grid.type);
        }
        String mode = switch (c.attrString("mode", c.opset() < 20 ? "bilinear" : "linear")) {
            case "bilinear", "linear" -> "linear";
            case "bicubic", "cubic" -> "cubic";
            case "nearest" -> "nearest";
            default -> throw c.error("mode must be linear, cubic or nearest, got \"" + c.attrString("mode", "") + "\"");
        };
        String padding = c.attrString("padding_mode", "zeros");
        if (!List.of("zeros", "border", "reflection").contains(padding)) {
            throw c.error("padding_mode must be zeros, border or reflection, got \"" + padding + "\"");
        }
        boolean align = c.attrInt("align_corners", 0) != 0;
        DType t = grid.type.dtype();
        int[] sizes = new int[k];
        for (int i = 0; i < k; i++) {
            sizes[i] = c.staticDim(x, i + 2);
        }
        // Per spatial dim: the neighbours' flat-index terms, weights and (zeros padding) validity.
        List<List<Operand>> indices = new ArrayList<>();
        List<List<Operand>> weights = new ArrayList<>();
        List<List<Operand>> valid = new ArrayList<>();
        long stride = 1;
        long[] strides = new long[k];
        for (int i = k - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= sizes[i];
        }
        for (int i = 0; i < k; i++) {
            int size = sizes[i];
            double lo = align ? 0 : -0.5;
            double hi = align ? size - 1 : size - 0.5;
            Operand normalized = c.squeeze(c.sliceAxis(grid, k + 1, k - 1 - i, k - i, 1), k + 1);
            Operand v = align
                    ? c.emit(Op.MUL, c.emit(Op.ADD, normalized, c.scalar(t, 1)), c.scalar(t, (size - 1) / 2.0))
                    : c.emit(Op.DIV, c.emit(Op.SUB, c.emit(Op.MUL, c.emit(Op.ADD, normalized, c.scalar(t, 1)),
                            c.scalar(t, size)), c.scalar(t, 1)), c.scalar(t, 2));
            if (mode.equals("nearest")) {
                v = c.emit(Op.ROUND, v);
            }
            if (padding.equals("border")) {
                Operand outside = c.emit(Op.LOGICAL_OR, c.emit(Op.LESS, v, c.scalar(t, lo)), c.emit(Op.GREATER, v, c.scalar(t, hi)));
                v = c.emit(Op.SELECT, outside, c.emit(Op.CLIP, v, c.scalar(t, 0), c.scalar(t, size - 1)), v);
            } else if (padding.equals("reflection")) {
                v = reflect(c, v, lo, hi);
            }
            Operand base = mode.equals("nearest") ? v : c.emit(Op.FLOOR, v);
            Operand fraction = c.emit(Op.SUB, v, base);
            int[] offsets = switch (mode) {
                case "nearest" -> new int[] {0};
                case "linear" -> new int[] {0, 1};
                default -> new int[] {-1, 0, 1, 2};
            };
            List<Operand> dimIndices = new ArrayList<>();
            List<Operand> dimWeights = new ArrayList<>();
            List<Operand> dimValid = new ArrayList<>();
            for (int j = 0; j < offsets.length; j++) {
                Operand at = c.emit(Op.ADD, base, c.scalar(t, offsets[j]));
                if (padding.equals("reflection")) {
                    at = reflect(c, at, lo, hi);
                }
                Operand index = c.cast(c.emit(Op.CLIP, at, c.scalar(t, 0), c.scalar(t, size - 1)), DType.INT64);
                dimIndices.add(c.emit(Op.MUL, index, c.scalar(DType.INT64, strides[i])));
                dimValid.add(padding.equals("zeros") ? c.emit(Op.LOGICAL_AND, c.emit(Op.GREATER_EQUAL, at, c.scalar(t, 0)),
                        c.emit(Op.LESS, at, c.scalar(t, size))) : null);
                dimWeights.add(weight(c, mode, fraction, offsets[j]));
            }
            indices.add(dimIndices);
            weights.add(dimWeights);
            valid.add(dimValid);
        }
        // X as [N, C, points]; each neighbour combination gathered and weighted.
        int batch = c.staticDim(x, 0);
        int channels = c.staticDim(x, 1);
        Operand flat = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(batch, channels, (int) stride)).build(), x);
        List<Dim> outDims = grid.shape().dims().subList(1, k + 1);
        int points = 1;
        for (Dim d : outDims) {
            points *= d.size();
        }
        Shape pointsShape = Shape.of(batch, points);
        Operand sum = null;
        int combinations = (int) Math.pow(indices.get(0).size(), k);
        int per = indices.get(0).size();
        for (int combo = 0; combo < combinations; combo++) {
            Operand index = null;
            Operand w = null;
            Operand ok = null;
            for (int i = 0, rest = combo; i < k; i++, rest /= per) {
                int j = rest % per;
                index = index == null ? indices.get(i).get(j) : c.emit(Op.ADD, index, indices.get(i).get(j));
                Operand wi = weights.get(i).get(j);
                w = wi == null ? w : w == null ? wi : c.emit(Op.MUL, w, wi);
                Operand vi = valid.get(i).get(j);
                ok = vi == null ? ok : ok == null ? vi : c.emit(Op.LOGICAL_AND, ok, vi);
            }
            Operand flatIndex = c.emit(Op.RESHAPE, attrs().put("shape", pointsShape).build(), index);
            Operand taken = c.emit(Op.GATHER, attrs().put("axis", 2).put("batch_dims", 1).build(), flat, flatIndex);
            Operand term = taken;
            if (w != null) {
                term = c.emit(Op.MUL, term, c.expandDims(c.cast(c.emit(Op.RESHAPE,
                        attrs().put("shape", pointsShape).build(), w), x.type.dtype()), 1));
            }
            if (ok != null) {
                term = c.emit(Op.SELECT, c.expandDims(c.emit(Op.RESHAPE, attrs().put("shape", pointsShape).build(), ok), 1),
                        term, c.scalar(x.type.dtype(), 0));
            }
            sum = sum == null ? term : c.emit(Op.ADD, sum, term);
        }
        List<Dim> yDims = new ArrayList<>(List.of(Dim.of(batch), Dim.of(channels)));
        yDims.addAll(outDims);
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(yDims)).build(), sum);
    }

    /** The weight of the neighbour {@code offset} from the floor, at fraction t past it (null: 1). */
    private static Operand weight(ImportContext c, String mode, Operand t, int offset) {
        DType type = t.type.dtype();
        if (mode.equals("nearest")) {
            return null;
        }
        if (mode.equals("linear")) {
            return offset == 0 ? c.emit(Op.SUB, c.scalar(type, 1), t) : t;
        }
        // Keys's cubic convolution at distance d = |t - offset|: d < 1 or 1 <= d < 2.
        Operand d = offset <= 0 ? c.emit(Op.SUB, t, c.scalar(type, offset)) : c.emit(Op.SUB, c.scalar(type, offset), t);
        if (offset == 0 || offset == 1) {
            Operand inner = c.emit(Op.SUB, c.emit(Op.MUL, c.scalar(type, CUBIC_A + 2), d), c.scalar(type, CUBIC_A + 3));
            return c.emit(Op.ADD, c.emit(Op.MUL, c.emit(Op.MUL, inner, d), d), c.scalar(type, 1));
        }
        Operand inner = c.emit(Op.ADD, c.emit(Op.MUL, c.emit(Op.SUB, c.emit(Op.MUL, c.scalar(type, CUBIC_A), d),
                c.scalar(type, 5 * CUBIC_A)), d), c.scalar(type, 8 * CUBIC_A));
        return c.emit(Op.SUB, c.emit(Op.MUL, inner, d), c.scalar(type, 4 * CUBIC_A));
    }

    /**
     * v reflected by the near border until it lies in [lo, hi]: beyond a border by dx, it comes
     * back r = dx mod (hi - lo) from that border, or from the other one after an odd number of
     * crossings.
     */
    private static Operand reflect(ImportContext c, Operand v, double lo, double hi) {
        DType t = v.type.dtype();
        Operand range = c.scalar(t, hi - lo);
        Operand below = c.emit(Op.LESS, v, c.scalar(t, lo));
        Operand above = c.emit(Op.GREATER, v, c.scalar(t, hi));
        Operand dx = c.emit(Op.SELECT, below, c.emit(Op.SUB, c.scalar(t, lo), v), c.emit(Op.SUB, v, c.scalar(t, hi)));
        Operand crossings = c.emit(Op.FLOOR, c.emit(Op.DIV, dx, range));
        Operand r = c.emit(Op.SUB, dx, c.emit(Op.MUL, crossings, range));
        Operand odd = c.emit(Op.EQUAL, c.emit(Op.MOD, crossings, c.scalar(t, 2)), c.scalar(t, 1));
        Operand fromLow = c.emit(Op.ADD, c.scalar(t, lo), r);
        Operand fromHigh = c.emit(Op.SUB, c.scalar(t, hi), r);
        Operand reflectedBelow = c.emit(Op.SELECT, odd, fromHigh, fromLow);
        Operand reflectedAbove = c.emit(Op.SELECT, odd, fromLow, fromHigh);
        return c.emit(Op.SELECT, below, reflectedBelow, c.emit(Op.SELECT, above, reflectedAbove, v));
    }

    /**
     * AffineGrid: theta ([N, k, k + 1]) applied to every output point's normalized coordinates
     * (innermost dim first, then 1), the points those of size ([N, C, spatial...], known at import):
     * a constant [points, k + 1] times theta transposed, as [N, spatial..., k].
     */
    private static Operand affineGrid(ImportContext c) {
        Operand theta = c.in(0);
        long[] size = c.knownInts(1);
        int k = size.length - 2;
        if (k < 2 || k > 3 || theta.rank() != 3 || c.staticDim(theta, 1) != k || c.staticDim(theta, 2) != k + 1) {
            throw c.error("theta must be [N, k, k + 1] and size [N, C, k spatial sizes] for k = 2 or 3, got " + theta.type
                    + " and " + java.util.Arrays.toString(size));
        }
        boolean align = c.attrInt("align_corners", 0) != 0;
        int points = 1;
        for (int i = 2; i < size.length; i++) {
            points *= Math.toIntExact(size[i]);
        }
        HostTensor.Writer base = HostTensor.writer(theta.type.dtype(), new int[] {points, k + 1});
        for (int p = 0; p < points; p++) {
            for (int i = k - 1, rest = p; i >= 0; i--) {
                int n = Math.toIntExact(size[i + 2]);
                int at = rest % n;
                rest /= n;
                double coordinate = n == 1 ? 0 : align ? -1 + 2.0 * at / (n - 1) : -1 + (2.0 * at + 1) / n;
                base.setDouble(p * (k + 1) + (k - 1 - i), coordinate);
            }
            base.setDouble(p * (k + 1) + k, 1);
        }
        Operand grid = c.emit(Op.MATMUL, attrs().put("transpose_a", false).put("transpose_b", true).build(),
                c.constant(base.build()), theta);
        List<Dim> dims = new ArrayList<>(List.of(theta.shape().dim(0)));
        for (int i = 2; i < size.length; i++) {
            dims.add(Dim.of(Math.toIntExact(size[i])));
        }
        dims.add(Dim.of(k));
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), grid);
    }
}
