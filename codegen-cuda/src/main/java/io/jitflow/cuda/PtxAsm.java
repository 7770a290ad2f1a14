package io.jitflow.cuda;

import java.util.EnumMap;
import java.util.Locale;
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

    /** The types instructions are written with: the suffix of {@code mov.u32}, {@code add.rn.f64}, {@code setp.lt.s64}. */
    enum PtxType {
        PRED, B8, B16, B32, B64, U8, U16, U32, U64, S8, S16, S32, S64, F16, F32, F64;

        final String suffix = name().toLowerCase(Locale.ROOT);

        /** The suffix, as instructions are written. */
        @Override
        public String toString() {
            return suffix;
        }
    }

    /**
     * Writes {@code opcode.type operands}: one instruction of {@code type} (the last type suffix; a
     * conversion's opcode carries its destination type, as in {@code op("cvt.rn.f32", F64, ...)}),
     * its operands (registers, immediates, addresses) separated as PTX separates them.
     */
    void op(String opcode, PtxType type, Object... operands) {
        emit(instruction(opcode, type, operands));
    }

    private static String instruction(String opcode, PtxType type, Object... operands) {
        StringBuilder sb = new StringBuilder(opcode).append('.').append(type.suffix).append(' ');
        for (int i = 0; i < operands.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(operands[i]);
        }
        return sb.toString();
    }

    /** As {@link #op}, where predicate {@code p} holds. */
    void opIf(String p, String opcode, PtxType type, Object... operands) {
        emit("@" + p + " " + instruction(opcode, type, operands));
    }

    /** {@code cvt} from {@code from} to {@code to}, with {@code modifiers} such as {@code .rn} or {@code .rzi} (or none). */
    void cvt(String modifiers, PtxType to, PtxType from, Object destination, Object source) {
        emit("cvt" + modifiers + "." + to.suffix + "." + from.suffix + " " + destination + ", " + source);
    }

    void ret() {
        emit("ret");
    }

    /** Waits for every thread of the block. */
    void barSync() {
        emit("bar.sync 0");
    }

    /** Branches to {@code label}. */
    void bra(String label) {
        emit("bra " + label);
    }

    /** Branches to {@code label} where predicate {@code p} holds. */
    void braIf(String p, String label) {
        emit("@" + p + " bra " + label);
    }

    /** Branches to {@code label} where predicate {@code p} does not hold. */
    void braUnless(String p, String label) {
        emit("@!" + p + " bra " + label);
    }

    /** A new virtual register of class {@code c}. */
    String reg(RegClass c) {
        int n = counts.merge(c, 1, Integer::sum);
        return c.prefix + n;
    }

    private void emit(String instruction) {
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
