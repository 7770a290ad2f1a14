package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * RNN, GRU and LSTM onto {@code scan}: per direction, the input projection of every time step is
 * one matmul before the loop, and the scan body does the recurrent matmul and the gates. Gates are
 * laid out as ONNX's: GRU's W holds z, r, h; LSTM's i, o, f, c, and its peepholes i, o, f.
 * Sequence lengths (forward direction) freeze a sequence's state after its end and zero its outputs;
 * {@code clip} bounds every gate's argument.
 */
final class RecurrentImports {
    private RecurrentImports() {
    }

    private enum Cell {
        RNN(1, List.of("Tanh")), GRU(3, List.of("Sigmoid", "Tanh")), LSTM(4, List.of("Sigmoid", "Tanh", "Tanh"));

        final int gates;
        final List<String> activations;

        Cell(int gates, List<String> activations) {
            this.gates = gates;
            this.activations = activations;
        }
    }

    static void register(OnnxOps.Registry r) {
        for (Cell cell : Cell.values()) {
            r.ops(cell.name(), c -> recurrent(c, cell));
        }
    }

    /** One direction's weights and state as the scan body sees them. */
    private record Direction(Operand recurrent, Operand recurrentBias, Operand peephole, Operand h0, Operand c0,
                             List<String> activations) {
    }

    private static List<Operand> recurrent(ImportContext c, Cell cell) {
        boolean batchFirst = c.attrInt("layout", 0) != 0;
        Operand x = batchFirst ? c.transpose(c.in(0), 1, 0, 2) : c.in(0);
        String direction = c.attrString("direction", "forward");
        if (!List.of("forward", "reverse", "bidirectional").contains(direction)) {
            throw c.error("direction must be forward, reverse or bidirectional, got \"" + direction + "\"");
        }
        if (c.attrInt("input_forget", 0) != 0) {
            throw c.error("input_forget is not supported");
        }
        int directions = direction.equals("bidirectional") ? 2 : 1;
        int hidden = c.staticDim(c.in(2), 2);
        if (c.hasAttr("hidden_size") && c.attrInt("hidden_size", 0) != hidden) {
            throw c.error("hidden_size is " + c.attrInt("hidden_size", 0) + " but R holds " + hidden + " columns");
        }
        int steps = c.staticDim(x, 0);
        int batch = c.staticDim(x, 1);
        int inputSize = c.staticDim(x, 2);
        DType t = x.type.dtype();
        int gh = cell.gates * hidden;
        List<String> activations = activations(c, cell, directions);
        Operand lengths = c.has(4) ? c.cast(c.in(4), DType.INT64) : null;
        if (lengths != null && !direction.equals("forward")) {
            throw c.error("sequence_lens is supported in the forward direction only");
        }
        List<Operand> ys = new ArrayList<>();
        List<Operand> lastH = new ArrayList<>();
        List<Operand> lastC = new ArrayList<>();
        for (int d = 0; d < directions; d++) {
            boolean reverse = direction.equals("reverse") || d == 1;
            Operand w = c.squeeze(c.sliceAxis(c.in(1), 0, d, d + 1, 1), 0);
            Operand r = c.squeeze(c.sliceAxis(c.in(2), 0, d, d + 1, 1), 0);
            Operand bias = c.has(3) ? c.squeeze(c.sliceAxis(c.in(3), 0, d, d + 1, 1), 0)
                    : new Operand(HostTensor.zeros(t, 2 * gh));
            Operand inputBias = c.sliceAxis(bias, 0, 0, gh, 1);
            Operand recurrentBias = c.sliceAxis(bias, 0, gh, 2 * gh, 1);
            Operand peephole = cell == Cell.LSTM && c.has(7) ? c.squeeze(c.sliceAxis(c.in(7), 0, d, d + 1, 1), 0) : null;
            Operand h0 = initialState(c, 5, d, batchFirst, t, batch, hidden);
            Operand c0 = cell == Cell.LSTM ? initialState(c, 6, d, batchFirst, t, batch, hidden) : null;
            // Every step's input projection at once: [T*B, I] x [G*H, I]^T + Wb.
            Operand xs = reverse ? ControlFlowImports.reversed(c, x) : x;
            Operand flat = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(Dim.of(steps * batch), Dim.of(inputSize)))
                    .build(), xs);
            Operand projected = c.emit(Op.ADD, c.emit(Op.MATMUL, attrs().put("transpose_b", true).build(), flat, w),
                    inputBias);
            projected = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(Dim.of(steps), Dim.of(batch), Dim.of(gh)))
                    .build(), projected);
            Direction dir = new Direction(r, recurrentBias, peephole, h0, c0,
                    activations.subList(d * cell.activations.size(), (d + 1) * cell.activations.size()));
            List<Operand> results = scanDirection(c, cell, dir, projected, lengths, hidden);
            Operand y = results.get(results.size() - 1);
            ys.add(c.expandDims(reverse ? ControlFlowImports.reversed(c, y) : y, 1));
            lastH.add(c.expandDims(results.get(0), 0));
            if (cell == Cell.LSTM) {
                lastC.add(c.expandDims(results.get(1), 0));
            }
        }
        Operand y = concat(c, ys, 1);
        Operand yh = concat(c, lastH, 0);
        Operand yc = cell == Cell.LSTM ? concat(c, lastC, 0) : null;
        if (batchFirst) {
            y = c.transpose(y, 2, 0, 1, 3);
            yh = c.transpose(yh, 1, 0, 2);
            yc = yc == null ? null : c.transpose(yc, 1, 0, 2);
        }
        List<Operand> outputs = new ArrayList<>(List.of(y, yh));
        if (yc != null) {
            outputs.add(yc);
        }
        return outputs;
    }

    private static List<String> activations(ImportContext c, Cell cell, int directions) {
        List<String> names = new ArrayList<>();
        String[] given = c.attrStrings("activations");
        for (int d = 0; d < directions; d++) {
            names.addAll(cell.activations);
        }
        if (given != null) {
            if (given.length != names.size()) {
                throw c.error("activations lists " + given.length + " functions, expected " + names.size());
            }
            names = List.of(given);
        }
        if (c.hasAttr("activation_alpha") || c.hasAttr("activation_beta")) {
            throw c.error("activation_alpha and activation_beta are not supported");
        }
        for (String name : names) {
            if (!List.of("Sigmoid", "Tanh", "Relu").contains(name)) {
                throw c.error("activation " + name + " is not supported (Sigmoid, Tanh and Relu are)");
            }
        }
        return names;
    }

    /** initial_h or initial_c for direction {@code d}, zeros when absent: [B, H]. */
    private static Operand initialState(ImportContext c, int input, int d, boolean batchFirst, DType t, int batch,
                                        int hidden) {
        if (!c.has(input)) {
            return new Operand(HostTensor.zeros(t, batch, hidden));
        }
        int axis = batchFirst ? 1 : 0;
        return c.squeeze(c.sliceAxis(c.in(input), axis, d, d + 1, 1), axis);
    }

    private static Operand concat(ImportContext c, List<Operand> parts, int axis) {
        return parts.size() == 1 ? parts.get(0)
                : c.emit(Op.CONCAT, attrs().put("axis", axis).build(), parts.toArray(new Operand[0]));
    }

    /** The scan of one direction: results h_T, (c_T,) and the stacked outputs [T, B, H]. */
    private static List<Operand> scanDirection(ImportContext c, Cell cell, Direction dir, Operand projected,
                                               Operand lengths, int hidden) {
        OnnxImporter scope = c.scope();
        OnnxImporter region = scope.subgraph("body");
        ImportContext b = c.in(region);
        int steps = projected.shape().dim(0).size();
        List<Operand> operands = new ArrayList<>();
        Operand h = region.input("h", dir.h0.type);
        operands.add(dir.h0);
        Operand cPrev = null;
        if (cell == Cell.LSTM) {
            cPrev = region.input("c", dir.c0.type);
            operands.add(dir.c0);
        }
        Operand xw = region.input("xw", projected.type.withShape(Shape.of(projected.shape().dims().subList(1, 3))));
        operands.add(projected);
        Operand time = null;
        if (lengths != null) {
            long[] indices = new long[steps];
            for (int i = 0; i < steps; i++) {
                indices[i] = i;
            }
            time = region.input("t", new io.jitflow.ir.TensorType(DType.INT64, Shape.scalar()));
            operands.add(new Operand(HostTensor.of(indices, steps)));
        }
        int formal = operands.size();
        List<Operand> outer = new ArrayList<>();
        List<Operand> inner = new ArrayList<>();
        for (Operand o : java.util.Arrays.asList(dir.recurrent, dir.recurrentBias, dir.peephole, lengths)) {
            if (o != null) {
                Operand seen = region.capture(o, "captured");
                inner.add(seen);
                if (!o.isConstant()) {
                    outer.add(o);
                }
            } else {
                inner.add(null);
            }
        }
        Operand r = inner.get(0);
        Operand rb = inner.get(1);
        Operand p = inner.get(2);
        Operand lens = inner.get(3);
        Operand hr = b.emit(Op.ADD, b.emit(Op.MATMUL, attrs().put("transpose_b", true).build(), h, r), rb);
        List<Operand> next = new ArrayList<>();
        switch (cell) {
            case RNN -> next.add(activate(b, dir.activations.get(0), b.emit(Op.ADD, gate(b, xw, 0, hidden),
                    gate(b, hr, 0, hidden))));
            case GRU -> {
                String f = dir.activations.get(0);
                String g = dir.activations.get(1);
                Operand z = activate(b, f, b.emit(Op.ADD, gate(b, xw, 0, hidden), gate(b, hr, 0, hidden)));
                Operand reset = activate(b, f, b.emit(Op.ADD, gate(b, xw, 1, hidden), gate(b, hr, 1, hidden)));
                Operand candidateRecurrent;
                if (c.attrInt("linear_before_reset", 0) != 0) {
                    candidateRecurrent = b.emit(Op.MUL, reset, gate(b, hr, 2, hidden));
                } else {
                    Operand rh = b.sliceAxis(r, 0, 2L * hidden, 3L * hidden, 1);
                    candidateRecurrent = b.emit(Op.ADD, b.emit(Op.MATMUL, attrs().put("transpose_b", true).build(),
                            b.emit(Op.MUL, reset, h), rh), b.sliceAxis(rb, 0, 2L * hidden, 3L * hidden, 1));
                }
                Operand candidate = activate(b, g, b.emit(Op.ADD, gate(b, xw, 2, hidden), candidateRecurrent));
                Operand one = b.scalar(h.type.dtype(), 1);
                next.add(b.emit(Op.ADD, b.emit(Op.MUL, b.emit(Op.SUB, one, z), candidate), b.emit(Op.MUL, z, h)));
            }
            case LSTM -> {
                String f = dir.activations.get(0);
                String g = dir.activations.get(1);
                String hAct = dir.activations.get(2);
                Operand i = b.emit(Op.ADD, gate(b, xw, 0, hidden), gate(b, hr, 0, hidden));
                Operand o = b.emit(Op.ADD, gate(b, xw, 1, hidden), gate(b, hr, 1, hidden));
                Operand fg = b.emit(Op.ADD, gate(b, xw, 2, hidden), gate(b, hr, 2, hidden));
                Operand cc = b.emit(Op.ADD, gate(b, xw, 3, hidden), gate(b, hr, 3, hidden));
                if (p != null) {
                    i = b.emit(Op.ADD, i, b.emit(Op.MUL, b.sliceAxis(p, 0, 0, hidden, 1), cPrev));
                    fg = b.emit(Op.ADD, fg, b.emit(Op.MUL, b.sliceAxis(p, 0, 2L * hidden, 3L * hidden, 1), cPrev));
                }
                Operand cNew = b.emit(Op.ADD, b.emit(Op.MUL, activate(b, f, fg), cPrev),
                        b.emit(Op.MUL, activate(b, f, i), activate(b, g, cc)));
                if (p != null) {
                    o = b.emit(Op.ADD, o, b.emit(Op.MUL, b.sliceAxis(p, 0, hidden, 2L * hidden, 1), cNew));
                }
                next.add(b.emit(Op.MUL, activate(b, f, o), activate(b, hAct, cNew)));
                next.add(cNew);
            }
            default -> throw new IllegalStateException();
        }
        Operand y = next.get(0);
        if (lens != null) {
            // Past a sequence's end its state stays and its output is zero.
            Operand live = b.expandDims(b.emit(Op.LESS, time, lens), 1);
            List<Operand> prev = cell == Cell.LSTM ? List.of(h, cPrev) : List.of(h);
            for (int k = 0; k < next.size(); k++) {
                next.set(k, b.emit(Op.SELECT, live, next.get(k), prev.get(k)));
            }
            y = b.emit(Op.SELECT, live, next.get(0), b.scalar(h.type.dtype(), 0));
        }
        next.add(y);
        Function f = region.finish(next);
        operands.addAll(outer);
        int carriedCount = cell == Cell.LSTM ? 2 : 1;
        return c.emit(Op.SCAN, attrs().put("carried", carriedCount).put("scanned", formal - carriedCount).build(),
                operands, List.of(f));
    }

    /** Gate {@code k}'s columns of a [B, G*H] projection. */
    private static Operand gate(ImportContext b, Operand x, int k, int hidden) {
        return b.sliceAxis(x, 1, (long) k * hidden, (long) (k + 1) * hidden, 1);
    }

    /** An activation, its argument first clipped to [-clip, clip] when the node says so. */
    private static Operand activate(ImportContext b, String name, Operand x) {
        if (b.hasAttr("clip")) {
            double clip = b.attrFloat("clip", 0);
            DType t = x.type.dtype();
            x = b.emit(Op.MINIMUM, b.emit(Op.MAXIMUM, x, b.scalar(t, -clip)), b.scalar(t, clip));
        }
        return b.emit(switch (name) {
            case "Sigmoid" -> Op.SIGMOID;
            case "Tanh" -> Op.TANH;
            default -> Op.RELU;
        }, x);
    }
}
