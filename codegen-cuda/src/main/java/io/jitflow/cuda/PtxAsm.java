package io.jitflow.cuda;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One kernel's PTX as it is written: virtual registers by class (ptxas allocates the real ones),
 * labels, the instructions in order, and the one counted-loop construct every loop is built from.
 * The scalar writer, the buffer access and the kernel writer of a kernel all write into its one
 * instance.
 */
final class PtxAsm {
    private final StringBuilder body = new StringBuilder();
    private final Map<RegClass, Integer> counts = new EnumMap<>(RegClass.class);
    private int labels;

    /** The register classes and their prefixes. */
    enum RegClass {
        PRED("pred", "%p"), B16("b16", "%h"), B32("b32", "%r"), B64("b64", "%rd"), F32("f32", "%f"), F64("f64", "%fd");

        final String ptx;
        final String prefix;

        RegClass(String ptx, String prefix) {
            this.ptx = ptx;
            this.prefix = prefix;
        }
    }

    /** A new virtual register of class {@code c}. */
    String reg(RegClass c) {
        int n = counts.merge(c, 1, Integer::sum);
        return c.prefix + n;
    }

    void emit(String instruction) {
        body.append("    ").append(instruction).append(";\n");
    }

    String label() {
        return "L" + labels++;
    }

    void mark(String label) {
        body.append(label).append(":\n");
    }

    /**
     * The one counted loop of every kernel: {@code counter}, a 32-bit register holding its start,
     * runs while it is below {@code limit}, advancing by {@code step} after each pass of {@code body}.
     * {@code body} gets the label that ends the pass: branching there continues with the next one.
     */
    void countedLoop(String counter, String limit, String step, Consumer<String> body) {
        String top = label();
        String next = label();
        String done = label();
        mark(top);
        String finished = reg(RegClass.PRED);
        emit("setp.ge.s32 " + finished + ", " + counter + ", " + limit);
        emit("@" + finished + " bra " + done);
        body.accept(next);
        mark(next);
        emit("add.s32 " + counter + ", " + counter + ", " + step);
        emit("bra " + top);
        mark(done);
    }

    /** The declarations of the registers used so far. */
    String registerDeclarations() {
        StringBuilder sb = new StringBuilder();
        counts.forEach((c, n) -> sb.append("    .reg .").append(c.ptx).append(' ').append(c.prefix).append('<').append(n + 1)
                .append(">;\n"));
        return sb.toString();
    }

    /** The instructions and labels written so far. */
    String instructions() {
        return body.toString();
    }
}
