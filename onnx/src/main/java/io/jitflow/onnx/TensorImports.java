package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.Attr;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.ops.Broadcasting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ONNX ops that create, move, slice and index tensors. */
final class TensorImports {
    private TensorImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("Transpose", c -> {
            long[] perm = c.attrInts("perm");
            return perm == null ? c.emit(Op.TRANSPOSE, c.in(0)) : c.transpose(c.in(0), perm);
        });
        r.op("Reshape", TensorImports::reshape, 1);
        r.op("Flatten", TensorImports::flatten);
        r.op("Squeeze", c -> {
            long[] axes = c.opset() < 13 ? c.attrInts("axes") : c.has(1) ? c.knownInts(1) : null;
            return axes == null ? c.emit(Op.SQUEEZE, c.in(0)) : c.squeeze(c.in(0), axes);
        }, 1);
        r.op("Unsqueeze", c -> {
            long[] axes = c.opset() < 13 ? c.attrInts("axes") : c.knownInts(1);
            if (axes == null) {
                throw c.error("needs axes");
            }
            int rank = c.in(0).rank() + axes.length;
            int[] sorted = Arrays.stream(axes).mapToInt(a -> c.normalizeAxis(a, rank)).sorted().toArray();
            Operand y = c.in(0);
            for (int a : sorted) {
                y = c.expandDims(y, a);
            }
            return y;
        }, 1);
        r.op("Concat", c -> {
            List<Operand> parts = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                parts.add(c.in(i));
            }
            return c.emit(Op.CONCAT, attrs().put("axis", c.attrInt("axis", 0)).build(), parts.toArray(Operand[]::new));
        });
        r.ops("Split", TensorImports::split, 1);
        r.op("Slice", TensorImports::slice, 1, 2, 3, 4);
        r.op("Gather", TensorImports::gather);
        r.op("Expand", c -> {
            Operand x = c.in(0);
            Shape target = Broadcasting.broadcast(x.shape(), c.shapeInput(1));
            if (target == null) {
                throw c.error("cannot broadcast " + x.type + " to " + c.shapeInput(1));
            }
            return target.equals(x.shape()) ? x : c.emit(Op.BROADCAST_TO, attrs().put("shape", target).build(), x);
        }, 1);
        r.op("Tile", c -> c.emit(Op.TILE, attrs().putInts("multiples", c.knownInts(1)).build(), c.in(0)), 1);
        r.op("Pad", TensorImports::pad, 1, 2, 3);
        r.op("Constant", TensorImports::constant);
        r.op("ConstantOfShape", c -> {
            HostTensor value = c.attrTensor("value");
            Operand v = value == null ? c.scalar(DType.FLOAT32, 0) : c.constant(value.reshape());
            return c.emit(Op.FILL, attrs().put("shape", c.shapeInput(0)).build(), v);
        }, 0);
        r.op("Range", TensorImports::range, 0, 1, 2);
        r.op("Shape", c -> {
            Shape s = c.in(0).shape();
            int rank = s.rank();
            int start = clampAxis(c.attrInt("start", 0), rank);
            int end = clampAxis(c.attrInt("end", rank), rank);
            return c.dimsOf(s.dims().subList(start, Math.max(start, end)));
        });
        r.op("Size", c -> {
            Shape s = c.in(0).shape();
            if (!s.isStatic()) {
                throw c.error("needs a static shape, got " + c.in(0).type);
            }
            return c.constant(HostTensor.of(new long[] {s.elementCount()}));
        });
        r.ops("Dropout", c -> {
            // Inference: the identity; the mask, when asked for, keeps everything.
            if (c.has(2) && c.known(2).getBool(0)) {
                throw c.error("training_mode = true is not supported: import is for inference");
            }
            Operand x = c.in(0);
            if (!c.wantsOutput(1)) {
                return List.of(x);
            }
            return List.of(x, c.emit(Op.FILL, attrs().put("shape", x.shape()).build(), c.scalar(DType.BOOL, 1)));
        }, 2);
        r.op("OneHot", TensorImports::oneHot, 1, 2);
        r.op("Trilu", TensorImports::trilu, 1);
        r.op("CumSum", c -> cumulative(c, Op.REDUCE_SUM, 0), 1);
        r.op("CumProd", c -> cumulative(c, Op.REDUCE_PROD, 1), 1);
        r.op("DepthToSpace", TensorImports::depthToSpace);
        r.op("SpaceToDepth", TensorImports::spaceToDepth);
        r.op("EyeLike", TensorImports::eyeLike);
        r.op("HannWindow", c -> window(c, 0.5, -0.5, 0), 0);
        r.op("HammingWindow", c -> window(c, 25.0 / 46, -21.0 / 46, 0), 0);
        r.op("BlackmanWindow", c -> window(c, 0.42, -0.5, 0.08), 0);
        r.op("CenterCropPad", TensorImports::centerCropPad, 1);
        r.op("ReverseSequence", TensorImports::reverseSequence);
    }

    /**
     * CenterCropPad: each listed axis (all by default) cut to the given size around its centre, or
     * padded with zeros on both sides (the odd one after) to it.
     */
    private static Operand centerCropPad(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        long[] sizes = c.knownInts(1);
        long[] axes = c.attrInts("axes");
        if (axes == null) {
            axes = new long[rank];
            Arrays.setAll(axes, i -> i);
        }
        if (sizes.length != axes.length) {
            throw c.error("shape has " + sizes.length + " sizes for " + axes.length + " axes");
        }
        for (int k = 0; k < axes.length; k++) {
            int axis = c.normalizeAxis(axes[k], rank);
            long in = c.staticDim(x, axis);
            long size = sizes[k];
            if (size < 0) {
                throw c.error("shape's sizes must not be negative, got " + size);
            }
            if (size < in) {
                long start = (in - size) / 2;
                x = c.sliceAxis(x, axis, start, start + size, 1);
            } else if (size > in) {
                long[] paddings = new long[2 * rank];
                paddings[2 * axis] = (size - in) / 2;
                paddings[2 * axis + 1] = size - in - paddings[2 * axis];
                x = c.emit(Op.PAD, attrs().putInts("paddings", paddings).build(), x);
            }
        }
        return x;
    }

    /**
     * ReverseSequence: along the time axis, each batch entry's first sequence_lens values reversed
     * and the rest kept: a gather along time at len - 1 - t below len, at t from it.
     */
    private static Operand reverseSequence(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int batchAxis = c.normalizeAxis(c.attrInt("batch_axis", 1), rank);
        int timeAxis = c.normalizeAxis(c.attrInt("time_axis", 0), rank);
        if (batchAxis == timeAxis || rank < 2) {
            throw c.error("batch_axis and time_axis must be two axes of the input, got " + batchAxis + " and "
                    + timeAxis + " for " + x.type);
        }
        int steps = c.staticDim(x, timeAxis);
        List<Dim> timeShape = new ArrayList<>(java.util.Collections.nCopies(rank, Dim.of(1)));
        timeShape.set(timeAxis, Dim.of(steps));
        Operand t = reshape(c, c.emit(Op.RANGE, attrs().put("limit", (double) steps).put("dtype", DType.INT64).build()),
                timeShape);
        List<Dim> batchShape = new ArrayList<>(java.util.Collections.nCopies(rank, Dim.of(1)));
        batchShape.set(batchAxis, x.shape().dim(batchAxis));
        Operand lengths = reshape(c, c.cast(c.in(1), DType.INT64), batchShape);
        Operand reversed = c.emit(Op.SUB, c.emit(Op.SUB, lengths, c.scalar(DType.INT64, 1)), t);
        Operand source = c.emit(Op.SELECT, c.emit(Op.LESS, t, lengths), reversed,
                c.emit(Op.BROADCAST_TO, attrs().put("shape", reversed.shape()).build(), t));
        Operand everywhere = c.emit(Op.BROADCAST_TO, attrs().put("shape", x.shape()).build(), source);
        return IndexingImports.gatherAlong(c, x, everywhere, timeAxis);
    }

    /**
     * DepthToSpace: NCHW's channels into blocksize x blocksize blocks of space: the channels split
     * as [block row, block column, channel] (DCR, the default) or [channel, block row, block
     * column] (CRD), then interleaved with the rows and columns.
     */
    private static Operand depthToSpace(ImportContext c) {
        Blocks in = Blocks.of(c);
        int b = in.size;
        if (in.channels % (b * b) != 0) {
            throw c.error("blocksize " + b + " squared must divide the " + in.channels + " channels");
        }
        String mode = c.attrString("mode", "DCR");
        boolean crd = mode.equals("CRD");
        if (!crd && !mode.equals("DCR")) {
            throw c.error("mode must be \"DCR\" or \"CRD\", got \"" + mode + "\"");
        }
        Dim depth = Dim.of(in.channels / (b * b));
        Dim block = Dim.of(b);
        Operand split = reshape(c, in.x, crd ? List.of(in.n, depth, block, block, Dim.of(in.h), Dim.of(in.w))
                : List.of(in.n, block, block, depth, Dim.of(in.h), Dim.of(in.w)));
        Operand moved = crd ? c.transpose(split, 0, 1, 4, 2, 5, 3) : c.transpose(split, 0, 3, 4, 1, 5, 2);
        return reshape(c, moved, List.of(in.n, depth, Dim.of(in.h * b), Dim.of(in.w * b)));
    }

    /** SpaceToDepth: DepthToSpace's inverse in DCR order: each blocksize x blocksize block of NCHW's space into channels. */
    private static Operand spaceToDepth(ImportContext c) {
        Blocks in = Blocks.of(c);
        int b = in.size;
        if (in.h % b != 0 || in.w % b != 0) {
            throw c.error("blocksize " + b + " must divide the spatial dims of " + in.x.type);
        }
        Dim block = Dim.of(b);
        Operand split = reshape(c, in.x, List.of(in.n, Dim.of(in.channels), Dim.of(in.h / b), block, Dim.of(in.w / b),
                block));
        return reshape(c, c.transpose(split, 0, 3, 5, 1, 2, 4),
                List.of(in.n, Dim.of(in.channels * b * b), Dim.of(in.h / b), Dim.of(in.w / b)));
    }

    /** DepthToSpace's and SpaceToDepth's NCHW input, its dims and the block size. */
    private record Blocks(Operand x, int size, Dim n, int channels, int h, int w) {
        static Blocks of(ImportContext c) {
            Operand x = c.in(0);
            if (x.rank() != 4) {
                throw c.error("input must be NCHW (rank 4), got " + x.type);
            }
            int size = Math.toIntExact(Math.min(c.positiveAttr("blocksize", 0, "positive"), Integer.MAX_VALUE));
            return new Blocks(x, size, x.shape().dim(0), c.staticDim(x, 1), c.staticDim(x, 2), c.staticDim(x, 3));
        }
    }

    private static Operand reshape(ImportContext c, Operand x, List<Dim> dims) {
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), x);
    }

    /** EyeLike: a 2-D tensor of the input's static shape, ones on the diagonal k above the main one, in dtype (the input's by default). */
    private static Operand eyeLike(ImportContext c) {
        Operand x = c.in(0);
        if (x.rank() != 2) {
            throw c.error("input must be 2-D, got " + x.type);
        }
        int rows = c.staticDim(x, 0);
        int cols = c.staticDim(x, 1);
        DType dtype = c.hasAttr("dtype") ? TensorProtos.dtype((int) c.attrInt("dtype", 0), "EyeLike's 'dtype'")
                : x.type.dtype();
        long k = c.attrInt("k", 0);
        HostTensor.Writer eye = HostTensor.writer(dtype, new int[] {rows, cols});
        for (int i = 0; i < rows; i++) {
            long j = i + k;
            if (j >= 0 && j < cols) {
                eye.setDouble(i * cols + (int) j, 1);
            }
        }
        return c.constant(eye.build());
    }

    /** The most values a window op makes (they become a constant of the graph). */
    static final long MAX_WINDOW = 1 << 24;

    /**
     * A window of {@code size} values (known at import): a0 + a1 cos(2 pi n / N) + a2 cos(4 pi n / N)
     * for n in [0, size), N the size when periodic (the default), one less when symmetric (a
     * window of one value is 1, as PyTorch's); a constant of output_datatype, computed in float64.
     */
    private static Operand window(ImportContext c, double a0, double a1, double a2) {
        HostTensor sizeInput = c.known(0);
        if (sizeInput.size() != 1 || !sizeInput.dtype().isInteger()) {
            throw c.error("size must be one integer, got " + c.in(0).type);
        }
        long size = sizeInput.getLong(0);
        if (size < 0 || size > MAX_WINDOW) {
            throw c.error("size must be between 0 and " + MAX_WINDOW + ", got " + size);
        }
        DType dtype = TensorProtos.dtype((int) c.attrInt("output_datatype", 1), c.opType() + "'s 'output_datatype'");
        long period = c.attrInt("periodic", 1) != 0 ? size : size - 1;
        HostTensor.Writer w = HostTensor.writer(dtype, new int[] {(int) size});
        for (int n = 0; n < size; n++) {
            double angle = period == 0 ? 0 : 2 * Math.PI * n / period;
            w.setDouble(n, period == 0 ? 1 : a0 + a1 * Math.cos(angle) + a2 * Math.cos(2 * angle));
        }
        return c.constant(w.build());
    }

    private static int clampAxis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }

    /** Reshape: 0 copies the input's dim (unless allowzero), -1 is inferred. */
    private static Operand reshape(ImportContext c) {
        Operand x = c.in(0);
        long[] target = c.opset() < 5 ? c.attrInts("shape") : c.shapeEntries(1);
        boolean allowZero = c.attrInt("allowzero", 0) != 0;
        List<Dim> dims = new ArrayList<>();
        List<Integer> inferred = new ArrayList<>();
        for (int i = 0; i < target.length; i++) {
            long d = target[i];
            if (c.symbol(d) != null) {
                dims.add(c.symbol(d));
            } else if (d == -1) {
                inferred.add(i);
                dims.add(Dim.of(1));
            } else if (d == 0 && !allowZero) {
                if (i >= x.rank()) {
                    throw c.error("shape entry " + i + " is 0 (copy the input's dim) but the input has rank " + x.rank());
                }
                dims.add(x.shape().dim(i));
            } else if (d < 0 || d > Integer.MAX_VALUE) {
                throw c.error("bad shape entry " + d + " in " + Arrays.toString(target));
            } else {
                dims.add(Dim.of((int) d));
            }
        }
        return c.emit(Op.RESHAPE, attrs().put("shape", new Attr.ShapeAttr(dims, inferred)).build(), x);
    }

    /** Flatten to 2-D at axis: [d0 * ... * d(axis-1), the rest]. */
    private static Operand flatten(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        long axisAttr = c.attrInt("axis", 1);
        int axis = axisAttr == rank ? rank : c.normalizeAxis(axisAttr, rank);
        Dim outer = product(x.shape().dims().subList(0, axis));
        Dim inner = product(x.shape().dims().subList(axis, rank));
        List<Integer> inferred = new ArrayList<>();
        if (outer == null && inner == null) {
            throw c.error("needs static dims on one side of axis " + axis + ", got " + x.type);
        }
        if (outer == null || inner == null) {
            inferred.add(outer == null ? 0 : 1);
        }
        List<Dim> dims = List.of(outer == null ? Dim.of(1) : outer, inner == null ? Dim.of(1) : inner);
        return c.emit(Op.RESHAPE, attrs().put("shape", new Attr.ShapeAttr(dims, inferred)).build(), x);
    }

    /** The product of dims: static if all are, the one symbolic dim among 1s, else null. */
    private static Dim product(List<Dim> dims) {
        long n = 1;
        Dim symbolic = null;
        for (Dim d : dims) {
            if (d.isStatic()) {
                n *= d.size();
            } else if (symbolic == null) {
                symbolic = d;
            } else {
                return null;
            }
        }
        if (symbolic != null) {
            return n == 1 ? symbolic : null;
        }
        return n > Integer.MAX_VALUE ? null : Dim.of((int) n);
    }

    private static List<Operand> split(ImportContext c) {
        Operand x = c.in(0);
        int axis = c.normalizeAxis(c.attrInt("axis", 0), x.rank());
        int size = c.staticDim(x, axis);
        long[] parts = c.opset() < 13 ? c.attrInts("split") : c.has(1) ? c.knownInts(1) : null;
        if (parts == null) {
            int n = (int) (c.hasAttr("num_outputs") ? c.attrInt("num_outputs", 0) : c.outputCount());
            if (n <= 0) {
                throw c.error("needs at least one output");
            }
            // Equal parts, the last smaller when the size does not divide (opset 18's num_outputs rule).
            int chunk = (size + n - 1) / n;
            parts = new long[n];
            for (int i = 0; i < n; i++) {
                parts[i] = Math.max(0, Math.min(chunk, size - (long) i * chunk));
            }
        }
        if (Arrays.stream(parts).sum() != size || Arrays.stream(parts).anyMatch(p -> p < 0)) {
            throw c.error("split sizes " + Arrays.toString(parts) + " do not add up to dim " + axis + " of " + x.type);
        }
        List<Operand> out = new ArrayList<>();
        long start = 0;
        for (long p : parts) {
            out.add(c.sliceAxis(x, axis, start, start + p, 1));
            start += p;
        }
        return out;
    }

    /** Slice: attributes before opset 10, inputs from it; bounds are clamped as ONNX says (Python's rules). */
    private static Operand slice(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        long[] starts = c.opset() < 10 ? c.attrInts("starts") : c.knownInts(1);
        long[] ends = c.opset() < 10 ? c.attrInts("ends") : c.knownInts(2);
        long[] axes = c.opset() < 10 ? c.attrInts("axes") : c.has(3) ? c.knownInts(3) : null;
        long[] steps = c.opset() >= 10 && c.has(4) ? c.knownInts(4) : null;
        if (starts == null || ends == null || starts.length != ends.length) {
            throw c.error("starts and ends must be given with one entry per sliced axis");
        }
        long[] begin = new long[rank];
        long[] end = new long[rank];
        long[] strides = new long[rank];
        Arrays.fill(strides, 1);
        long beginMask = (1L << rank) - 1;
        long endMask = beginMask;
        for (int i = 0; i < starts.length; i++) {
            int axis = c.normalizeAxis(axes == null ? i : axes[i], rank);
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw c.error("step 0 on axis " + axis);
            }
            if (step == 1 && starts[i] == 0 && ends[i] >= Integer.MAX_VALUE) {
                continue; // the whole axis, whose size may be symbolic
            }
            int dim = c.staticDim(x, axis);
            long s = starts[i] < 0 ? starts[i] + dim : starts[i];
            long e = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (step > 0) {
                s = Math.max(0, Math.min(dim, s));
                e = Math.max(0, Math.min(dim, e));
            } else {
                s = Math.max(0, Math.min(dim - 1, s));
                e = Math.max(-1, Math.min(dim - 1, e));
            }
            begin[axis] = s;
            end[axis] = e;
            strides[axis] = step;
            beginMask &= ~(1L << axis);
            // A negative step that runs past index 0 has no end index (-1 would mean the last element).
            if (e >= 0) {
                endMask &= ~(1L << axis);
            }
            if (dim == 0) {
                begin[axis] = 0;
                end[axis] = 0;
                strides[axis] = 1;
                endMask &= ~(1L << axis);
            }
        }
        return c.emit(Op.SLICE, attrs().putInts("begin", begin).putInts("end", end).putInts("strides", strides)
                .put("begin_mask", beginMask).put("end_mask", endMask).build(), x);
    }

    /** Gather: negative indices count from the end of the axis. */
    private static Operand gather(ImportContext c) {
        Operand x = c.in(0);
        int axis = c.normalizeAxis(c.attrInt("axis", 0), x.rank());
        Operand wrapped = IndexingImports.wrapNegative(c, c.in(1), c.staticDim(x, axis));
        return c.emit(Op.GATHER, attrs().put("axis", axis).build(), x, wrapped);
    }

    /** Pad: constant and reflect map to pad; edge and wrap gather clamped or wrapped indices; negative pads crop. */
    private static Operand pad(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        String mode = c.attrString("mode", "constant");
        long[] pads = c.opset() < 11 ? c.attrInts(c.opset() < 2 ? "paddings" : "pads") : c.knownInts(1);
        double value = c.opset() < 11 ? c.attrFloat("value", 0) : c.has(2) ? c.known(2).getDouble(0) : 0;
        long[] axes = c.opset() >= 18 && c.has(3) ? c.knownInts(3) : null;
        int n = axes == null ? rank : axes.length;
        if (pads == null || pads.length != 2 * n) {
            throw c.error("pads must have " + 2 * n + " entries, got " + (pads == null ? "none" : Arrays.toString(pads)));
        }
        long[] lo = new long[rank];
        long[] hi = new long[rank];
        for (int i = 0; i < n; i++) {
            int axis = axes == null ? i : c.normalizeAxis(axes[i], rank);
            lo[axis] = pads[i];
            hi[axis] = pads[i + n];
        }
        Operand y = x;
        for (int axis = 0; axis < rank; axis++) {
            if (lo[axis] < 0 || hi[axis] < 0) {
                int dim = c.staticDim(y, axis);
                y = c.sliceAxis(y, axis, Math.max(0, -lo[axis]), dim - Math.max(0, -hi[axis]), 1);
                lo[axis] = Math.max(0, lo[axis]);
                hi[axis] = Math.max(0, hi[axis]);
            }
        }
        switch (mode) {
            case "constant", "reflect" -> {
                long[] paddings = new long[2 * rank];
                for (int axis = 0; axis < rank; axis++) {
                    paddings[2 * axis] = lo[axis];
                    paddings[2 * axis + 1] = hi[axis];
                }
                return c.emit(Op.PAD, attrs().putInts("paddings", paddings).put("mode", mode)
                        .put("constant_value", value).build(), y);
            }
            case "edge", "wrap" -> {
                for (int axis = 0; axis < rank; axis++) {
                    if (lo[axis] == 0 && hi[axis] == 0) {
                        continue;
                    }
                    int dim = c.staticDim(y, axis);
                    long[] index = new long[(int) (lo[axis] + dim + hi[axis])];
                    for (int i = 0; i < index.length; i++) {
                        long source = i - lo[axis];
                        index[i] = mode.equals("edge") ? Math.max(0, Math.min(dim - 1, source)) : Math.floorMod(source, dim);
                    }
                    y = c.emit(Op.GATHER, attrs().put("axis", axis).build(), y,
                            c.constant(HostTensor.of(index, index.length)));
                }
                return y;
            }
            default -> throw c.error("mode must be constant, reflect, edge or wrap, got \"" + mode + "\"");
        }
    }

    private static Operand constant(ImportContext c) {
        List<String> names = c.attrNames();
        if (names.size() != 1) {
            throw c.error("needs exactly one value attribute, got " + names);
        }
        String name = names.get(0);
        return switch (name) {
            case "value" -> c.constant(c.attrTensor("value"));
            case "value_float" -> c.constant(HostTensor.of(new float[] {(float) c.attrFloat(name, 0)}));
            case "value_floats" -> {
                float[] v = c.attrFloats(name);
                yield c.constant(HostTensor.of(v, v.length));
            }
            case "value_int" -> c.constant(HostTensor.of(new long[] {c.attrInt(name, 0)}));
            case "value_ints" -> {
                long[] v = c.attrInts(name);
                yield c.constant(HostTensor.of(v, v.length));
            }
            default -> throw c.error("attribute '" + name + "' is not supported (strings and sparse tensors are not)");
        };
    }

    private static Operand range(ImportContext c) {
        HostTensor start = c.known(0);
        HostTensor limit = c.known(1);
        HostTensor delta = c.known(2);
        DType dtype = start.dtype();
        double s = start.getDouble(0);
        double d = delta.getDouble(0);
        if (d == 0) {
            throw c.error("delta is 0");
        }
        long count = Math.max(0, (long) Math.ceil((limit.getDouble(0) - s) / d));
        if (count > Integer.MAX_VALUE) {
            throw c.error("would have " + count + " elements");
        }
        HostTensor.Writer w = HostTensor.writer(dtype, new int[] {(int) count});
        for (int i = 0; i < count; i++) {
            if (dtype.isInteger()) {
                w.setLong(i, start.getLong(0) + i * delta.getLong(0));
            } else {
                w.setDouble(i, s + i * d);
            }
        }
        return c.constant(w.build());
    }

    /** OneHot: indices in [-depth, depth) (negative from the end), values = [off, on]. */
    private static Operand oneHot(ImportContext c) {
        Operand indices = c.in(0);
        long depth = (long) c.known(1).getDouble(0);
        HostTensor values = c.known(2);
        if (values.size() != 2) {
            throw c.error("values must hold [off, on], got " + values.type());
        }
        if (indices.type.dtype().isFloating()) {
            indices = c.cast(indices, DType.INT64);
        }
        Operand zero = c.scalar(indices.type.dtype(), 0);
        Operand wrapped = c.emit(Op.SELECT, c.emit(Op.LESS, indices, zero),
                c.emit(Op.ADD, indices, c.scalar(indices.type.dtype(), depth)), indices);
        int axis = c.normalizeAxis(c.attrInt("axis", -1), indices.rank() + 1);
        return c.emit(Op.ONE_HOT, attrs().put("depth", depth).put("axis", axis)
                .put("off_value", values.getDouble(0)).put("on_value", values.getDouble(1))
                .put("dtype", values.dtype()).build(), wrapped);
    }

    /** Trilu: keep the upper (or lower) triangle of the last two dims from diagonal k on. */
    private static Operand trilu(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        long k = c.has(1) ? c.knownInts(1)[0] : 0;
        boolean upper = c.attrInt("upper", 1) != 0;
        int rows = c.staticDim(x, rank - 2);
        int cols = c.staticDim(x, rank - 1);
        boolean[] keep = new boolean[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                keep[i * cols + j] = upper ? j - i >= k : j - i <= k;
            }
        }
        return c.emit(Op.SELECT, c.constant(HostTensor.of(keep, rows, cols)), x, c.scalar(x.type.dtype(), 0));
    }

    /**
     * CumSum and CumProd along an axis of size n: the axis moved last, each output element the row
     * reduced with the values outside its mask replaced by the identity (exclusive and reverse
     * choose the mask; a replaced value, not a product by 0, so an infinity or NaN later in the row
     * leaves the earlier sums alone), then moved back.
     */
    private static Operand cumulative(ImportContext c, Op reduction, double identity) {
        Operand x = c.in(0);
        int rank = x.rank();
        int axis = c.normalizeAxis(c.knownInts(1)[0], rank);
        boolean exclusive = c.attrInt("exclusive", 0) != 0;
        boolean reverse = c.attrInt("reverse", 0) != 0;
        int n = c.staticDim(x, axis);
        long[] perm = IndexingImports.axisLast(rank, axis);
        HostTensor.Writer mask = HostTensor.writer(DType.BOOL, new int[] {n, n});
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean in = reverse ? (exclusive ? j > i : j >= i) : (exclusive ? j < i : j <= i);
                mask.setLong(i * n + j, in ? 1 : 0);
            }
        }
        Operand rows = c.expandDims(c.transpose(x, perm), rank - 1);
        Operand masked = c.emit(Op.SELECT, c.constant(mask.build()), rows, c.scalar(x.type.dtype(), identity));
        return c.transpose(c.reduce(reduction, masked, new long[] {rank}, false), IndexingImports.inverse(perm));
    }
}
