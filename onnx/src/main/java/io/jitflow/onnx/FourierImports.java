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
 * DFT and STFT as products with constant cosine and sine matrices of the transform's length (known
 * at import), computed in float64: the real and imaginary parts, the signal axis last, times
 * [length, bins] matrices. A signal longer than the length is cut, a shorter one padded with zeros
 * (fewer matrix rows); the inverse divides by the length; the one-sided inverse (IRFFT) takes the
 * first length / 2 + 1 bins as half of a Hermitian spectrum (twice each bin but the first and, for
 * an even length, the last; their imaginary parts unused), as NumPy's irfft does.
 */
final class FourierImports {
    private FourierImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("DFT", FourierImports::dft, 1, 2);
        r.op("STFT", FourierImports::stft, 1, 3);
    }

    /** The most values one of the transform's matrices holds. */
    static final long MAX_MATRIX = 1 << 24;

    private static Operand dft(ImportContext c) {
        Operand x = c.in(0);
        int rank = x.rank();
        int parts = c.staticDim(x, rank - 1);
        if (parts != 1 && parts != 2) {
            throw c.error("the last dim must be 1 (real) or 2 (complex), got " + x.type);
        }
        long axisValue = c.opset() < 20 ? c.attrInt("axis", 1) : c.has(2) ? c.knownInts(2)[0] : -2;
        int axis = (int) (axisValue < 0 ? axisValue + rank : axisValue);
        if (axis < 0 || axis >= rank - 1) {
            throw c.error("axis must be a signal axis of " + x.type + ", got " + axisValue);
        }
        boolean inverse = c.attrInt("inverse", 0) != 0;
        boolean onesided = c.attrInt("onesided", 0) != 0;
        if (onesided && !inverse && parts == 2) {
            throw c.error("a one-sided forward DFT takes a real signal, got " + x.type);
        }
        int given = c.staticDim(x, axis);
        long length = c.has(1) ? c.knownInts(1)[0] : inverse && onesided ? 2L * (given - 1) : given;
        if (length < 1) {
            throw c.error("dft_length must be at least 1, got " + length);
        }
        // The parts as [..., signal] (the signal axis moved last).
        long[] perm = IndexingImports.axisLast(rank - 1, axis);
        Operand re = c.transpose(c.squeeze(c.sliceAxis(x, rank - 1, 0, 1, 1), rank - 1), perm);
        Operand im = parts == 2 ? c.transpose(c.squeeze(c.sliceAxis(x, rank - 1, 1, 2, 1), rank - 1), perm) : null;
        Operand y = inverse && onesided ? halfSpectrumInverse(c, re, im, (int) length)
                : transform(c, re, im, (int) length, onesided ? (int) length / 2 + 1 : (int) length, inverse);
        return c.transpose(y, append(IndexingImports.inverse(perm), rank - 1));
    }

    /**
     * STFT (opset 17): frames of frame_length values frame_step apart, times the window, each
     * transformed; [batch, frames, bins, 2] with bins frame_length / 2 + 1 when one-sided (the
     * default).
     */
    private static Operand stft(ImportContext c) {
        Operand signal = c.in(0);
        if (signal.rank() != 3 || c.staticDim(signal, 2) > 2) {
            throw c.error("the signal must be [batch, length, 1 or 2], got " + signal.type);
        }
        long step = c.knownInts(1)[0];
        Operand window = c.has(2) ? c.in(2) : null;
        long frame = c.has(3) ? c.knownInts(3)[0] : window != null ? c.staticDim(window, 0) : 0;
        int length = c.staticDim(signal, 1);
        if (step < 1 || frame < 1 || frame > length) {
            throw c.error("frame_step must be at least 1 and frame_length between 1 and the signal's " + length
                    + ", got " + step + " and " + frame);
        }
        int frames = (int) ((length - frame) / step + 1);
        HostTensor.Writer at = HostTensor.writer(DType.INT64, new int[] {frames, (int) frame});
        for (int f = 0; f < frames; f++) {
            for (int j = 0; j < frame; j++) {
                at.setLong(f * (int) frame + j, f * step + j);
            }
        }
        Operand positions = c.constant(at.build());
        boolean complex = c.staticDim(signal, 2) == 2;
        Operand re = frames(c, c.squeeze(c.sliceAxis(signal, 2, 0, 1, 1), 2), positions, window);
        Operand im = complex ? frames(c, c.squeeze(c.sliceAxis(signal, 2, 1, 2, 1), 2), positions, window) : null;
        boolean onesided = c.attrInt("onesided", 1) != 0;
        if (onesided && complex) {
            throw c.error("a one-sided STFT takes a real signal, got " + signal.type);
        }
        return transform(c, re, im, (int) frame, onesided ? (int) frame / 2 + 1 : (int) frame, false);
    }

    /** Each frame's values ([batch, frames, frame]), windowed. */
    private static Operand frames(ImportContext c, Operand part, Operand positions, Operand window) {
        Operand taken = c.emit(Op.GATHER, attrs().put("axis", 1).build(), part, positions);
        return window == null ? taken : c.emit(Op.MUL, taken, c.cast(window, part.type.dtype()));
    }

    /**
     * The transform of re + i im ([..., signal], im null for a real signal) at length n, its first
     * {@code bins} bins: [..., bins, 2].
     */
    private static Operand transform(ImportContext c, Operand re, Operand im, int n, int bins, boolean inverse) {
        int rows = Math.min(n, c.staticDim(re, re.rank() - 1));
        re = c.sliceAxis(re, re.rank() - 1, 0, rows, 1);
        im = im == null ? null : c.sliceAxis(im, im.rank() - 1, 0, rows, 1);
        double sign = inverse ? 1 : -1;
        double scale = inverse ? 1.0 / n : 1;
        Operand cos = matrix(c, re.type.dtype(), rows, bins, (j, k) -> scale * Math.cos(angle(j, k, n)));
        Operand sin = matrix(c, re.type.dtype(), rows, bins, (j, k) -> sign * scale * Math.sin(angle(j, k, n)));
        // (a + i b)(cos + i sin): a cos - b sin, a sin + b cos.
        Operand real = product(c, re, cos);
        Operand imaginary = product(c, re, sin);
        if (im != null) {
            real = c.emit(Op.SUB, real, product(c, im, sin));
            imaginary = c.emit(Op.ADD, imaginary, product(c, im, cos));
        }
        return c.emit(Op.CONCAT, attrs().put("axis", real.rank()).build(), c.expandDims(real, real.rank()),
                c.expandDims(imaginary, imaginary.rank()));
    }

    /** The real signal of length n whose spectrum's first n / 2 + 1 bins are re + i im: [..., n, 1]. */
    private static Operand halfSpectrumInverse(ImportContext c, Operand re, Operand im, int n) {
        int half = n / 2 + 1;
        int rows = Math.min(half, c.staticDim(re, re.rank() - 1));
        re = c.sliceAxis(re, re.rank() - 1, 0, rows, 1);
        Operand real = product(c, re, matrix(c, re.type.dtype(), rows, n,
                (k, m) -> weight(k, n) * Math.cos(angle(k, m, n)) / n));
        if (im != null) {
            im = c.sliceAxis(im, im.rank() - 1, 0, rows, 1);
            real = c.emit(Op.SUB, real, product(c, im, matrix(c, re.type.dtype(), rows, n,
                    (k, m) -> weight(k, n) * Math.sin(angle(k, m, n)) / n)));
        }
        return c.expandDims(real, real.rank());
    }

    /** How many times bin k counts in a Hermitian spectrum of length n: once for 0 and n / 2 (n even), else twice. */
    private static double weight(int k, int n) {
        return k == 0 || 2 * k == n ? 1 : 2;
    }

    private static double angle(int j, int k, int n) {
        // j * k mod n first, so the angle stays small and exact for long transforms.
        return 2 * Math.PI * ((long) j * k % n) / n;
    }

    private interface Entry {
        double at(int row, int column);
    }

    private static Operand matrix(ImportContext c, DType dtype, int rows, int columns, Entry entry) {
        if ((long) rows * columns > MAX_MATRIX) {
            throw c.error("a transform of " + rows + " x " + columns + " values is more than " + MAX_MATRIX);
        }
        HostTensor.Writer w = HostTensor.writer(dtype, new int[] {rows, columns});
        for (int j = 0; j < rows; j++) {
            for (int k = 0; k < columns; k++) {
                w.setDouble(j * columns + k, entry.at(j, k));
            }
        }
        return c.constant(w.build());
    }

    /** x ([..., rows]) times m ([rows, columns]): [..., columns], through a 2-D product. */
    private static Operand product(ImportContext c, Operand x, Operand m) {
        List<Dim> lead = x.shape().dims().subList(0, x.rank() - 1);
        int count = 1;
        for (Dim d : lead) {
            count *= d.size();
        }
        int rows = c.staticDim(x, x.rank() - 1);
        Operand flat = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(count, rows)).build(), x);
        Operand p = c.emit(Op.MATMUL, flat, m);
        List<Dim> dims = new ArrayList<>(lead);
        dims.add(m.shape().dim(1));
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(dims)).build(), p);
    }

    private static long[] append(long[] perm, long last) {
        long[] out = java.util.Arrays.copyOf(perm, perm.length + 1);
        out[perm.length] = last;
        return out;
    }
}
