package io.jitflow.ir.kernel;

import java.util.stream.Collectors;

/** Prints kernel programs for tests and {@code --dump}. */
final class KernelPrinter {
    private KernelPrinter() {
    }

    static String print(KernelProgram p) {
        StringBuilder sb = new StringBuilder("kernel program @" + p.name() + " (" + p.kernels().size() + " kernel"
                + (p.kernels().size() == 1 ? "" : "s") + ")\n");
        for (Buffer b : p.buffers()) {
            sb.append("  ").append(b).append(" : ").append(b.type()).append(' ').append(b.kind().name().toLowerCase())
                    .append(b.name() == null ? "" : " \"" + b.name() + "\"")
                    .append(b.viewOf() == null ? "" : " of " + b.viewOf());
            p.outputs().forEach((name, o) -> sb.append(o == b && !name.equals(b.name()) ? ", output " + name : ""));
            p.variableWrites().forEach((name, w) -> sb.append(w == b && w.kind() != Buffer.Kind.VARIABLE_WRITE
                    ? ", new value of @" + name : ""));
            sb.append('\n');
        }
        for (int i = 0; i < p.kernels().size(); i++) {
            Kernel k = p.kernels().get(i);
            sb.append("  kernel ").append(i).append(" [").append(String.join(", ", k.fused())).append("] -> ")
                    .append(k.outputs().stream().map(Buffer::toString).collect(Collectors.joining(", "))).append('\n');
            if (k instanceof Kernel.Conv c) {
                sb.append("    ").append(c.transposed() ? "conv_transpose " : "conv ").append(c.x()).append(" by ")
                        .append(c.w()).append(" as a matrix product, or\n");
            } else if (k instanceof Kernel.Depthwise d) {
                sb.append("    depthwise conv ").append(d.x()).append(" by ").append(d.w()).append(", that is\n");
            } else if (k instanceof Kernel.Pool pool) {
                sb.append(pool.max() ? "    max pool " : "    average pool ").append(pool.x()).append(", that is\n");
            } else if (k instanceof Kernel.PoolArgmax argmax) {
                sb.append("    first largest taps of ").append(argmax.x()).append(", that is\n");
            } else if (k instanceof Kernel.PoolGrad grad) {
                sb.append("    max pool gradient ").append(grad.x()).append(" to the taps ").append(grad.chosen())
                        .append(", that is\n");
            }
            if ((k instanceof Kernel.Windowed w ? w.loop() : k) instanceof Kernel.Reduce r) {
                sb.append("    loop ").append(r.space()).append(" reduce ").append(r.reducer().name().toLowerCase())
                        .append(" over ").append(r.reducedAxes()).append(" in ").append(r.accumulator()).append('\n')
                        .append("    value ").append(expr(r.body())).append('\n')
                        .append("    result ").append(expr(r.epilogue())).append('\n');
            } else if (k instanceof Kernel.Map m) {
                sb.append("    loop ").append(m.space()).append('\n').append("    value ").append(expr(m.body()));
                m.results().stream().skip(1).forEach(r -> sb.append('\n').append("    value ").append(r.output())
                        .append(" = ").append(expr(r.body())));
                sb.append('\n');
            } else if (k instanceof Kernel.Matmul m) {
                sb.append("    matmul ").append(m.a()).append(m.transposeA() ? "ᵀ" : "").append(" x ").append(m.b())
                        .append(m.transposeB() ? "ᵀ" : "").append(" in ").append(m.accumulator()).append('\n')
                        .append("    result ").append(expr(m.epilogue())).append('\n');
            } else if (k instanceof Kernel.ScatterAdd s) {
                sb.append("    scatter_add ").append(s.x()).append(" at ").append(s.indices()).append(" += ")
                        .append(s.updates()).append(" axis ").append(s.axis()).append('\n');
            } else if (k instanceof Kernel.Control c) {
                sb.append("    ").append(c.op()).append(' ').append(c.attrs()).append(" on ")
                        .append(c.operands().stream().map(Buffer::toString).collect(Collectors.joining(", "))).append('\n');
                for (KernelProgram region : c.regions()) {
                    sb.append(print(region).indent(4));
                }
            }
        }
        return sb.toString();
    }

    static String expr(Expr e) {
        if (e instanceof Expr.Const c) {
            return c.dtype().isFloating() ? Double.toString(c.value()) : Long.toString(c.bits());
        } else if (e instanceof Expr.Coord c) {
            return "i" + c.axis();
        } else if (e instanceof Expr.Size s) {
            return "size(" + s.dim() + ")";
        } else if (e instanceof Expr.Load l) {
            return l.buffer() + l.index().stream().map(KernelPrinter::expr).collect(Collectors.joining(", ", "[", "]"));
        } else if (e instanceof Expr.Unary u) {
            return u.op().name().toLowerCase() + "(" + expr(u.x()) + ")";
        } else if (e instanceof Expr.Binary b) {
            return b.op().name().toLowerCase() + "(" + expr(b.a()) + ", " + expr(b.b()) + ")";
        } else if (e instanceof Expr.Select s) {
            return "select(" + expr(s.cond()) + ", " + expr(s.a()) + ", " + expr(s.b()) + ")";
        } else if (e instanceof Expr.Cast c) {
            return c.dtype() + "(" + expr(c.x()) + ")";
        } else if (e instanceof Expr.Random r) {
            return (r.normal() ? "normal" : "uniform") + "(" + expr(r.counter()) + ", seed " + r.seed() + ")";
        } else if (e instanceof Expr.Check c) {
            return "check(" + expr(c.cond()) + ", " + expr(c.value()) + ")";
        } else {
            return "acc";
        }
    }
}
