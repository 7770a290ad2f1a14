package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ONNX's Resize, every mode: each resized axis in turn becomes a weighted sum of a few gathers
 * along it. Since the shapes are static, where each output position reads (its taps) and with what
 * weights is worked out here, at import time, as ONNX's specification computes it: the coordinate
 * transformation maps an output position to a source coordinate, the mode (nearest with its
 * rounding, linear, cubic, each optionally antialiased) gives the neighbours and their weights, edge
 * values stand in for neighbours outside the input, and {@code tf_crop_and_resize} gives
 * {@code extrapolation_value} where the coordinate leaves the input.
 */
final class ResizeImport {
    private ResizeImport() {
    }

    static void register(OnnxOps.Registry r) {
        // Inputs: X, then (opset 10) scales, or (opset 11 on) roi, scales, sizes; all but X must be known.
        r.op("Resize", ResizeImport::resize, 1, 2, 3);
        // Resize's forerunner (opsets 7 to 9): its scales an attribute, then an input; nearest reads floor(i / scale).
        r.op("Upsample", ResizeImport::resize, 1);
    }

    /** Where one output position reads: input indices (clamped), their weights, and a constant added (extrapolation). */
    private record Taps(int[] index, double[] weight, double constant) {
    }

    private static Operand resize(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        boolean opset10 = c.opset() < 11;
        double[] roi = !opset10 && c.has(1) ? c.known(1).toDoubleArray() : new double[0];
        HostTensor scalesIn = opset10 ? (c.has(1) ? c.known(1) : upsampleScales(c)) : c.has(2) ? c.known(2) : null;
        long[] sizesIn = !opset10 && c.has(3) ? c.knownInts(3) : null;
        boolean hasScales = scalesIn != null && scalesIn.size() > 0;
        if (hasScales == (sizesIn != null && sizesIn.length > 0)) {
            throw c.error("exactly one of scales and sizes must be given");
        }
        int[] axes = axes(c, rank);
        int[] in = new int[rank];
        double[] scale = new double[rank];
        int[] out = new int[rank];
        for (int a : axes) {
            in[a] = c.staticDim(x, a);
            scale[a] = 1;
            out[a] = in[a];
        }
        String transform = c.attrString("coordinate_transformation_mode", opset10 ? "asymmetric" : "half_pixel");
        double[] roiStart = new double[rank];
        double[] roiEnd = new double[rank];
        Arrays.fill(roiEnd, 1);
        if (transform.equals("tf_crop_and_resize")) {
            if (roi.length != 2 * axes.length) {
                throw c.error("tf_crop_and_resize needs a roi of " + 2 * axes.length + " values, got " + roi.length);
            }
            for (int k = 0; k < axes.length; k++) {
                roiStart[axes[k]] = roi[k];
                roiEnd[axes[k]] = roi[axes.length + k];
            }
        }
        if (hasScales) {
            double[] given = scalesIn.toDoubleArray();
            requireLength(c, "scales", given.length, axes.length);
            for (int k = 0; k < axes.length; k++) {
                int a = axes[k];
                if (!(given[k] > 0)) {
                    throw c.error("scales must be positive, got " + given[k] + " for axis " + a);
                }
                scale[a] = given[k];
                out[a] = (int) Math.floor(in[a] * (roiEnd[a] - roiStart[a]) * given[k]);
            }
        } else {
            requireLength(c, "sizes", sizesIn.length, axes.length);
            String policy = c.attrString("keep_aspect_ratio_policy", "stretch");
            double common = policy.equals("not_larger") ? Double.MAX_VALUE : 0;
            for (int k = 0; k < axes.length; k++) {
                int a = axes[k];
                if (sizesIn[k] <= 0 || sizesIn[k] > Integer.MAX_VALUE) {
                    throw c.error("sizes must be positive, got " + sizesIn[k] + " for axis " + a);
                }
                scale[a] = sizesIn[k] / (double) in[a];
                out[a] = (int) sizesIn[k];
                common = policy.equals("not_larger") ? Math.min(common, scale[a]) : Math.max(common, scale[a]);
            }
            if (!policy.equals("stretch")) {
                if (!policy.equals("not_larger") && !policy.equals("not_smaller")) {
                    throw c.error("keep_aspect_ratio_policy must be stretch, not_larger or not_smaller, got \""
                            + policy + "\"");
                }
                for (int a : axes) {
                    scale[a] = common;
                    out[a] = (int) Math.rint(common * in[a]);
                }
            }
        }
        Sampler sampler = new Sampler(c, transform);
        Operand y = x;
        for (int a : axes) {
            Taps[] taps = new Taps[out[a]];
            for (int o = 0; o < out[a]; o++) {
                taps[o] = sampler.taps(o, in[a], out[a], scale[a], roiStart[a], roiEnd[a]);
            }
            y = apply(c, y, a, taps);
        }
        return y;
    }

    /** Upsample's scales attribute (opsets 7 and 8), or null. */
    private static HostTensor upsampleScales(ImportContext c) {
        float[] scales = c.attrFloats("scales");
        return scales == null ? null : HostTensor.of(scales, scales.length);
    }

    private static int[] axes(ImportContext c, int rank) {
        long[] given = c.attrInts("axes");
        int[] axes = new int[given == null ? rank : given.length];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = given == null ? k : c.normalizeAxis(given[k], rank);
        }
        return axes;
    }

    private static void requireLength(ImportContext c, String what, int length, int axes) {
        if (length != axes) {
            throw c.error(what + " has " + length + " values, expected " + axes + " (one per resized axis)");
        }
    }

    /** The weighted sum of gathers along {@code axis} that {@code taps} describe; nothing when it is the identity. */
    private static Operand apply(ImportContext c, Operand x, int axis, Taps[] taps) {
        int n = c.staticDim(x, axis);
        boolean identity = taps.length == n;
        int width = 0;
        boolean weighted = false;
        boolean constant = false;
        for (int o = 0; o < taps.length; o++) {
            Taps t = taps[o];
            identity &= t.index.length == 1 && t.index[0] == o && t.weight[0] == 1 && t.constant == 0;
            width = Math.max(width, t.index.length);
            constant |= t.constant != 0;
            for (double w : t.weight) {
                weighted |= w != 1;
            }
        }
        if (identity) {
            return x;
        }
        for (Taps t : taps) {
            weighted |= t.index.length < width;
        }
        DType dtype = x.type.dtype();
        if ((weighted || constant) && !dtype.isFloating()) {
            throw c.error("linear, cubic and extrapolated resizing need a floating-point input, got " + x.type);
        }
        int[] broadcast = new int[x.rank() - axis];
        Arrays.fill(broadcast, 1);
        broadcast[0] = taps.length;
        Operand sum = null;
        for (int k = 0; k < width; k++) {
            int[] index = new int[taps.length];
            double[] weight = new double[taps.length];
            for (int o = 0; o < taps.length; o++) {
                // A row with fewer taps repeats its first index with weight 0.
                boolean has = k < taps[o].index.length;
                index[o] = has ? taps[o].index[k] : taps[o].index.length > 0 ? taps[o].index[0] : 0;
                weight[o] = has ? taps[o].weight[k] : 0;
            }
            Operand term = c.emit(Op.GATHER, attrs().put("axis", axis).build(), x,
                    c.constant(HostTensor.of(index, index.length)));
            if (weighted) {
                term = c.emit(Op.MUL, term, c.cast(c.constant(HostTensor.of(weight, broadcast)), dtype));
            }
            sum = sum == null ? term : c.emit(Op.ADD, sum, term);
        }
        if (constant) {
            double[] values = Arrays.stream(taps).mapToDouble(Taps::constant).toArray();
            sum = c.emit(Op.ADD, sum, c.cast(c.constant(HostTensor.of(values, broadcast)), dtype));
        }
        return sum;
    }

    /** The mode's taps for one output position. */
    private static final class Sampler {
        private final ImportContext c;
        private final String transform;
        private final String mode;
        private final String nearestMode;
        private final double cubicA;
        private final boolean excludeOutside;
        private final boolean antialias;
        private final double extrapolation;

        Sampler(ImportContext c, String transform) {
            this.c = c;
            this.transform = transform;
            this.mode = c.attrString("mode", "nearest");
            this.nearestMode = c.attrString("nearest_mode", c.opType().equals("Upsample") ? "floor" : "round_prefer_floor");
            this.cubicA = c.attrFloat("cubic_coeff_a", -0.75);
            this.excludeOutside = c.attrInt("exclude_outside", 0) != 0;
            this.antialias = c.attrInt("antialias", 0) != 0;
            this.extrapolation = c.attrFloat("extrapolation_value", 0);
            if (!List.of("nearest", "linear", "cubic").contains(mode)) {
                throw c.error("mode must be nearest, linear or cubic, got \"" + mode + "\"");
            }
            if (!List.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil").contains(nearestMode)) {
                throw c.error("nearest_mode must be round_prefer_floor, round_prefer_ceil, floor or ceil, got \""
                        + nearestMode + "\"");
            }
        }

        /** The source coordinate of output position {@code o}, or NaN where tf_crop_and_resize leaves the input. */
        private double source(int o, int in, int outInt, double scale, double roiStart, double roiEnd) {
            double out = scale * in;
            switch (transform) {
                case "half_pixel":
                    return (o + 0.5) / scale - 0.5;
                case "half_pixel_symmetric": {
                    double adjustment = outInt / out;
                    double center = in / 2.0;
                    return center * (1 - adjustment) + (o + 0.5) / scale - 0.5;
                }
                case "pytorch_half_pixel":
                    return out == 1 ? -0.5 : (o + 0.5) / scale - 0.5;
                case "align_corners":
                    return out == 1 ? 0 : o * (in - 1) / (out - 1);
                case "asymmetric":
                    return o / scale;
                case "tf_crop_and_resize": {
                    double s = out == 1 ? (roiEnd - roiStart) * (in - 1) / 2
                            : o * (roiEnd - roiStart) * (in - 1) / (out - 1);
                    s += roiStart * (in - 1);
                    return s < 0 || s > in - 1 ? Double.NaN : s;
                }
                default:
                    throw c.error("coordinate_transformation_mode \"" + transform + "\" is not one of half_pixel,"
                            + " half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize");
            }
        }

        Taps taps(int o, int in, int outInt, double scale, double roiStart, double roiEnd) {
            double s = source(o, in, outInt, scale, roiStart, roiEnd);
            if (Double.isNaN(s)) {
                return new Taps(new int[0], new double[0], extrapolation);
            }
            // The neighbours are base - n/2 + 1 .. base + n/2, and ratio the coordinate's place after base;
            // a whole coordinate counts as ratio 1 after the index below it, as the specification's reference does.
            boolean whole = s == Math.floor(s);
            int base = (int) Math.floor(s) - (whole ? 1 : 0);
            double ratio = whole ? 1 : s - Math.floor(s);
            double[] coeffs = coefficients(ratio, scale);
            int n = coeffs.length;
            int[] index = new int[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                int i = base - n / 2 + 1 + k;
                if (excludeOutside && (i < 0 || i >= in)) {
                    coeffs[k] = 0;
                }
                index[k] = Math.max(0, Math.min(in - 1, i));
                sum += coeffs[k];
            }
            if (excludeOutside) {
                for (int k = 0; k < n; k++) {
                    coeffs[k] /= sum;
                }
            }
            return compact(index, coeffs);
        }

        private double[] coefficients(double ratio, double scale) {
            switch (mode) {
                case "nearest": {
                    boolean up = ratio == 1 || switch (nearestMode) {
                        case "round_prefer_ceil" -> ratio >= 0.5;
                        case "floor" -> false;
                        case "ceil" -> true;
                        default -> ratio > 0.5;
                    };
                    return up ? new double[] {0, 1} : new double[] {1, 0};
                }
                case "linear": {
                    if (!antialias) {
                        return new double[] {1 - ratio, ratio};
                    }
                    double sc = Math.min(scale, 1);
                    int start = (int) Math.floor(-1 / sc) + 1;
                    double[] w = new double[2 - 2 * start];
                    for (int k = 0; k < w.length; k++) {
                        w[k] = Math.max(0, Math.min(1, 1 - Math.abs((start + k - ratio) * sc)));
                    }
                    return normalized(w);
                }
                default: {
                    if (!antialias) {
                        return new double[] {cubic(ratio + 1), cubic(ratio), cubic(1 - ratio), cubic(2 - ratio)};
                    }
                    double sc = Math.min(scale, 1);
                    int start = (int) Math.floor(-2 / sc) + 1;
                    double[] w = new double[2 - 2 * start];
                    for (int k = 0; k < w.length; k++) {
                        w[k] = cubic(sc * (start + k - ratio));
                    }
                    return normalized(w);
                }
            }
        }

        /** Keys's cubic convolution kernel with coefficient A. */
        private double cubic(double t) {
            double x = Math.abs(t);
            double a = cubicA;
            if (x <= 1) {
                return ((a + 2) * x - (a + 3)) * x * x + 1;
            }
            return x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
        }

        private static double[] normalized(double[] w) {
            double sum = Arrays.stream(w).sum();
            return Arrays.stream(w).map(v -> v / sum).toArray();
        }

        /** Drops zero weights and merges taps that read the same (clamped) index. */
        private static Taps compact(int[] index, double[] weight) {
            List<Integer> indices = new ArrayList<>();
            List<Double> weights = new ArrayList<>();
            for (int k = 0; k < index.length; k++) {
                if (weight[k] == 0) {
                    continue;
                }
                int at = indices.indexOf(index[k]);
                if (at >= 0) {
                    weights.set(at, weights.get(at) + weight[k]);
                } else {
                    indices.add(index[k]);
                    weights.add(weight[k]);
                }
            }
            return new Taps(indices.stream().mapToInt(Integer::intValue).toArray(),
                    weights.stream().mapToDouble(Double::doubleValue).toArray(), 0);
        }
    }
}
