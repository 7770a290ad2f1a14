package io.jitflow.tests;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs PTX without a GPU: the subset the CUDA backend writes (typed virtual registers, predicates,
 * branches, parameter, global and shared memory, barriers, special registers for the grid, integer
 * and IEEE float arithmetic with round-to-nearest, fma, comparisons, selects and conversions) over
 * a grid of blocks and threads. The threads of a block run one after another up to each
 * {@code bar.sync}, where all of them must arrive before any goes on, so shared memory sees the
 * order a GPU guarantees. Anything outside the subset, an undeclared register, a jump to a missing
 * label, a launch with a block size other than the entry's {@code .reqntid}, a barrier some
 * threads never reach, or a memory access outside every allocation is an error naming the
 * instruction, never a guess.
 */
final class PtxInterpreter {
    /** One instruction: an optional guard predicate (negated or not), the opcode parts and operands. */
    record Instruction(int line, String guard, boolean negated, String[] opcode, String[] operands, String text) {
    }

    /** A kernel parameter: its name and size in bytes (a scalar's width, or an array's length in bytes). */
    record Param(String name, int bytes) {
    }

    /** An entry: its parameters in order, its instructions, its labels' positions and its registers. */
    record Entry(String name, List<Param> params, List<Instruction> code, Map<String, Integer> labels,
                 Map<String, Integer> registerCounts, int requiredThreads, Map<String, Integer> shared, int sharedBytes) {
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    PtxInterpreter(String ptx) {
        String[] lines = ptx.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]).trim();
            if (!line.startsWith(".visible .entry ") && !line.startsWith(".entry ")) {
                continue;
            }
            String name = line.substring(line.indexOf(".entry ") + 7, line.indexOf('(')).trim();
            List<Param> params = new ArrayList<>();
            while (!stripComment(lines[i]).contains(")")) {
                addParam(lines[i], params);
                i++;
            }
            addParam(lines[i], params);
            i++;
            int requiredThreads = 0;
            if (stripComment(lines[i]).trim().startsWith(".reqntid ")) {
                requiredThreads = Integer.parseInt(stripComment(lines[i]).trim().substring(".reqntid ".length()).split(",")[0].trim());
                i++;
            }
            if (!stripComment(lines[i]).trim().equals("{")) {
                throw error(i + 1, lines[i], "expected '{' after the parameters of " + name);
            }
            List<Instruction> code = new ArrayList<>();
            Map<String, Integer> labels = new HashMap<>();
            Map<String, Integer> registers = new HashMap<>();
            Map<String, Integer> shared = new HashMap<>();
            int sharedBytes = 0;
            for (i++; !stripComment(lines[i]).trim().equals("}"); i++) {
                String text = stripComment(lines[i]).trim();
                if (text.isEmpty()) {
                    continue;
                }
                if (text.startsWith(".shared ")) {
                    // .shared .align 8 .b8 tile_a[2048];
                    String[] parts = text.replace(";", "").split("\\s+");
                    int align = Integer.parseInt(parts[2]);
                    String decl = parts[4];
                    sharedBytes = (sharedBytes + align - 1) / align * align;
                    shared.put(decl.substring(0, decl.indexOf('[')), sharedBytes);
                    sharedBytes += Integer.parseInt(decl.substring(decl.indexOf('[') + 1, decl.indexOf(']')));
                    continue;
                }
                if (text.startsWith(".reg ")) {
                    // .reg .f32 %f<12>;
                    String[] parts = text.replace(";", "").split("\\s+");
                    String decl = parts[2];
                    registers.put(decl.substring(0, decl.indexOf('<')), Integer.parseInt(decl.substring(decl.indexOf('<') + 1,
                            decl.indexOf('>'))));
                    continue;
                }
                if (text.endsWith(":")) {
                    labels.put(text.substring(0, text.length() - 1), code.size());
                    continue;
                }
                for (String statement : text.split(";")) {
                    if (!statement.isBlank()) {
                        code.add(parse(i + 1, statement.trim()));
                    }
                }
            }
            entries.put(name, new Entry(name, params, code, labels, registers, requiredThreads, shared, sharedBytes));
        }
    }

    /** Adds the parameter a line declares: {@code .param .u64 name} or {@code .param .align 8 .b8 name[N]}. */
    private static void addParam(String line, List<Param> params) {
        String text = stripComment(line);
        int at = text.indexOf(".param ");
        if (at >= 0) {
            String[] parts = text.substring(at).replaceAll("[,)]", " ").trim().split("\\s+");
            String declarator = parts[parts.length - 1];
            int bracket = declarator.indexOf('[');
            if (bracket >= 0) {
                params.add(new Param(declarator.substring(0, bracket),
                        Integer.parseInt(declarator.substring(bracket + 1, declarator.indexOf(']')))));
            } else {
                params.add(new Param(declarator, Thread.width(parts[1].substring(1))));
            }
        }
    }

    private static String stripComment(String line) {
        int c = line.indexOf("//");
        return c < 0 ? line : line.substring(0, c);
    }

    private static Instruction parse(int line, String statement) {
        String guard = null;
        boolean negated = false;
        String rest = statement;
        if (rest.startsWith("@")) {
            int space = rest.indexOf(' ');
            guard = rest.substring(1, space);
            if (guard.startsWith("!")) {
                negated = true;
                guard = guard.substring(1);
            }
            rest = rest.substring(space + 1).trim();
        }
        int space = rest.indexOf(' ');
        String op = space < 0 ? rest : rest.substring(0, space);
        // Commas inside a vector operand {%f1, %f2, ...} do not separate operands.
        String[] operands = space < 0 ? new String[0] : rest.substring(space + 1).split(",(?![^{]*\\})");
        for (int k = 0; k < operands.length; k++) {
            operands[k] = operands[k].trim();
        }
        return new Instruction(line, guard, negated, op.split("\\."), operands, statement);
    }

    private static IllegalArgumentException error(int line, String text, String message) {
        return new IllegalArgumentException("PTX line " + line + " (" + text.trim() + "): " + message);
    }

    Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("the PTX module has no entry " + name + " (entries: " + entries.keySet() + ")");
        }
        return e;
    }

    // ---- memory ----

    /** Global memory: separate allocations at distinct addresses; an access must fall inside one. */
    static final class Memory {
        private final TreeMap<Long, ByteBuffer> allocations = new TreeMap<>();
        private long next = 0x1000_0000L;

        long allocate(int bytes) {
            long address = next;
            allocations.put(address, ByteBuffer.allocate(Math.max(bytes, 1)).order(ByteOrder.LITTLE_ENDIAN));
            next += ((bytes + 255L) / 256 + 1) * 256;
            return address;
        }

        ByteBuffer at(long address, int width, Instruction in) {
            Map.Entry<Long, ByteBuffer> e = allocations.floorEntry(address);
            if (e == null || address - e.getKey() + width > e.getValue().capacity()) {
                throw error(in.line(), in.text(), String.format("access of %d bytes at 0x%x is outside every allocation", width,
                        address));
            }
            ByteBuffer b = e.getValue().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.position((int) (address - e.getKey()));
            return b;
        }

        ByteBuffer buffer(long address) {
            return allocations.get(address).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    // ---- execution ----

    /**
     * Runs {@code entry} on a grid of {@code blocks} x {@code threads} with the given parameter
     * values, each as the little-endian bytes of its declared size (see {@link #bytes}).
     */
    void launch(String name, byte[][] params, int blocks, int threads, Memory memory) {
        Entry e = entry(name);
        if (params.length != e.params().size()) {
            throw new IllegalArgumentException(name + " takes " + e.params().size() + " parameters, got " + params.length);
        }
        for (int i = 0; i < params.length; i++) {
            if (params[i].length != e.params().get(i).bytes()) {
                throw new IllegalArgumentException(name + ": parameter " + e.params().get(i).name() + " is "
                        + e.params().get(i).bytes() + " bytes, got " + params[i].length);
            }
        }
        if (e.requiredThreads() != 0 && threads != e.requiredThreads()) {
            throw new IllegalArgumentException(name + " requires blocks of " + e.requiredThreads() + " threads (.reqntid), got "
                    + threads);
        }
        for (int block = 0; block < blocks; block++) {
            ByteBuffer shared = ByteBuffer.allocate(Math.max(e.sharedBytes(), 1)).order(ByteOrder.LITTLE_ENDIAN);
            List<Thread> running = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                running.add(new Thread(e, params, memory, shared, new int[] {block, thread, blocks, threads}));
            }
            // Each round runs every thread up to its next barrier or shuffle. A warp's lanes exchange
            // values once all of them wait at the same shuffle; a barrier opens once every thread waits there.
            while (!running.isEmpty()) {
                for (Thread t : running) {
                    if (t.stop == Stop.READY) {
                        t.stop = t.runToSync();
                    }
                }
                running.removeIf(t -> t.stop == Stop.EXITED);
                boolean shuffled = false;
                for (int warp = 0; warp * 32 < threads; warp++) {
                    List<Thread> lanes = new ArrayList<>();
                    for (Thread t : running) {
                        if (t.grid[1] / 32 == warp) {
                            lanes.add(t);
                        }
                    }
                    if (lanes.stream().anyMatch(t -> t.stop == Stop.SHUFFLE)) {
                        shuffle(lanes, Math.min(32, threads - warp * 32), block, warp);
                        shuffled = true;
                    }
                }
                if (!shuffled && !running.isEmpty()) {
                    Instruction at = running.get(0).lastInstruction();
                    if (running.size() != threads) {
                        throw error(at.line(), at.text(), "block " + block + ": " + (threads - running.size())
                                + " threads exited while " + running.size() + " wait at this barrier");
                    }
                    running.forEach(t -> t.stop = Stop.READY);
                }
            }
        }
    }

    /** {@code values} as one parameter's bytes: each little-endian in {@code width} bytes (4 or 8). */
    static byte[] bytes(int width, long... values) {
        ByteBuffer b = ByteBuffer.allocate(width * Math.max(1, values.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            if (width == 4) {
                b.putInt((int) v);
            } else {
                b.putLong(v);
            }
        }
        return b.array();
    }

    /** Where a thread stopped: ready to run, at a barrier, at a warp shuffle, or finished. */
    private enum Stop { READY, BARRIER, SHUFFLE, EXITED }

    /**
     * Executes a {@code shfl.sync.down.b32 d, a, b, c, mask} that every lane of a full warp waits at:
     * lane i gets lane i + b's {@code a}, or its own where that is past the warp (c = 31).
     */
    private static void shuffle(List<Thread> lanes, int warpSize, int block, int warp) {
        Instruction in = lanes.get(0).lastInstruction();
        for (Thread t : lanes) {
            if (t.stop != Stop.SHUFFLE || t.lastInstruction() != in) {
                throw error(in.line(), in.text(), "block " + block + ", warp " + warp + ": the lanes are not all at this shuffle");
            }
        }
        String[] o = in.operands();
        if (lanes.size() != 32 || warpSize != 32 || !String.join(".", in.opcode()).equals("shfl.sync.down.b32")
                || !o[3].equals("31") || !o[4].equals("0xffffffff")) {
            throw error(in.line(), in.text(), "only shfl.sync.down.b32 with clamp 31 over a full warp of 32 lanes is modelled");
        }
        long[] values = new long[32];
        for (Thread t : lanes) {
            values[t.grid[1] % 32] = t.read(o[1], in);
        }
        for (Thread t : lanes) {
            int lane = t.grid[1] % 32;
            int source = lane + (int) t.read(o[2], in);
            t.write(o[0], values[source < 32 ? source : lane], in);
            t.stop = Stop.READY;
        }
    }

    /** One thread's registers and program counter. */
    private static final class Thread {
        private static final long STEP_LIMIT = 50_000_000L;
        private final Entry e;
        private final byte[][] params;
        private final Memory memory;
        private final ByteBuffer shared;
        private final int[] grid;
        private final Map<String, Long> registers = new HashMap<>();
        private int pc;
        private long steps;
        private Stop stop = Stop.READY;

        Thread(Entry e, byte[][] params, Memory memory, ByteBuffer shared, int[] grid) {
            this.e = e;
            this.params = params;
            this.memory = memory;
            this.shared = shared;
            this.grid = grid;
        }

        Instruction lastInstruction() {
            return e.code().get(pc - 1);
        }

        /** Runs until the thread reaches a barrier or a shuffle (having fetched it), or exits. */
        Stop runToSync() {
            while (pc < e.code().size()) {
                Instruction in = e.code().get(pc++);
                if (++steps > STEP_LIMIT) {
                    throw error(in.line(), in.text(), "more than " + STEP_LIMIT + " steps: the kernel does not terminate");
                }
                if (in.guard() != null && (read(in.guard(), in) != 0) == in.negated()) {
                    continue;
                }
                String op = in.opcode()[0];
                if (op.equals("ret")) {
                    return Stop.EXITED;
                }
                if (op.equals("bar")) {
                    if (in.guard() != null || !has(in, "sync") || !in.operands()[0].equals("0")) {
                        throw error(in.line(), in.text(), "only an unconditional bar.sync 0 is modelled");
                    }
                    return Stop.BARRIER;
                }
                if (op.equals("shfl")) {
                    if (in.guard() != null) {
                        throw error(in.line(), in.text(), "only unconditional shuffles are modelled");
                    }
                    return Stop.SHUFFLE;
                }
                if (op.equals("bra")) {
                    Integer target = e.labels().get(in.operands()[0]);
                    if (target == null) {
                        throw error(in.line(), in.text(), "no label " + in.operands()[0]);
                    }
                    pc = target;
                    continue;
                }
                execute(in);
            }
            return Stop.EXITED;
        }

        private String type(Instruction in) {
            return in.opcode()[in.opcode().length - 1];
        }

        private boolean has(Instruction in, String part) {
            for (int i = 1; i < in.opcode().length; i++) {
                if (in.opcode()[i].equals(part)) {
                    return true;
                }
            }
            return false;
        }

        private void execute(Instruction in) {
            String[] o = in.operands();
            String t = type(in);
            switch (in.opcode()[0]) {
                case "ld" -> {
                    if (has(in, "v4")) {
                        ByteBuffer b = access(o[1], 4 * width(t), in);
                        for (String register : vectorRegisters(o[0], in)) {
                            write(register, element(b, t, in), in);
                        }
                    } else {
                        ByteBuffer b = has(in, "param") ? parameter(o[1], width(t), in) : access(o[1], width(t), in);
                        write(o[0], switch (t) {
                            case "u8" -> b.get() & 0xffL;
                            case "b16" -> b.getShort() & 0xffffL;
                            case "u32" -> b.getInt() & 0xffff_ffffL;
                            case "s32", "f32", "b32" -> b.getInt() & 0xffff_ffffL;
                            case "u64", "s64", "f64", "b64" -> b.getLong();
                            default -> throw unsupported(in);
                        }, in);
                    }
                }
                case "st" -> {
                    if (has(in, "v4")) {
                        ByteBuffer b = access(o[0], 4 * width(t), in);
                        for (String register : vectorRegisters(o[1], in)) {
                            long v = read(register, in);
                            switch (t) {
                                case "s32", "u32", "f32", "b32" -> b.putInt((int) v);
                                default -> throw unsupported(in);
                            }
                        }
                        break;
                    }
                    ByteBuffer b = access(o[0], width(t), in);
                    long v = read(o[1], in);
                    switch (t) {
                        case "u8" -> b.put((byte) v);
                        case "b16" -> b.putShort((short) v);
                        case "s32", "u32", "f32", "b32" -> b.putInt((int) v);
                        case "s64", "u64", "f64", "b64" -> b.putLong(v);
                        default -> throw unsupported(in);
                    }
                }
                case "cvta" -> write(o[0], read(o[1], in), in);
                case "mov" -> write(o[0], read(o[1], in), in);
                case "add", "sub", "mul", "div", "rem", "min", "max" -> write(o[0], arithmetic(in, read(o[1], in), read(o[2], in)), in);
                case "mad" -> {
                    long product = arithmeticOn("mul", in, read(o[1], in), read(o[2], in));
                    write(o[0], arithmeticOn("add", in, product, read(o[3], in)), in);
                }
                case "fma" -> write(o[0], switch (t) {
                    case "f32" -> f32(Math.fma(f32(read(o[1], in)), f32(read(o[2], in)), f32(read(o[3], in))));
                    case "f64" -> f64(Math.fma(f64(read(o[1], in)), f64(read(o[2], in)), f64(read(o[3], in))));
                    default -> throw unsupported(in);
                }, in);
                case "shl" -> {
                    long v = read(o[1], in);
                    int shift = (int) read(o[2], in);
                    write(o[0], switch (t) {
                        case "b32" -> shift >= 32 ? 0 : (v << shift) & 0xffff_ffffL;
                        case "b64" -> shift >= 64 ? 0 : v << shift;
                        default -> throw unsupported(in);
                    }, in);
                }
                case "neg" -> write(o[0], switch (t) {
                    case "f32" -> f32(-f32(read(o[1], in)));
                    case "f64" -> f64(-f64(read(o[1], in)));
                    case "s32" -> (-(int) read(o[1], in)) & 0xffff_ffffL;
                    case "s64" -> -read(o[1], in);
                    default -> throw unsupported(in);
                }, in);
                case "abs" -> write(o[0], switch (t) {
                    case "f32" -> read(o[1], in) & 0x7fff_ffffL;
                    case "f64" -> read(o[1], in) & Long.MAX_VALUE;
                    default -> throw unsupported(in);
                }, in);
                case "sqrt" -> write(o[0], switch (t) {
                    case "f32" -> f32((float) Math.sqrt(f32(read(o[1], in))));
                    case "f64" -> f64(Math.sqrt(f64(read(o[1], in))));
                    default -> throw unsupported(in);
                }, in);
                case "copysign" -> {
                    // copysign d, a, b: b's magnitude with a's sign.
                    long signBit = t.equals("f32") ? 0x8000_0000L : Long.MIN_VALUE;
                    write(o[0], (read(o[2], in) & ~signBit) | (read(o[1], in) & signBit), in);
                }
                case "and", "or", "xor" -> {
                    long a = read(o[1], in);
                    long b = read(o[2], in);
                    write(o[0], switch (in.opcode()[0]) {
                        case "and" -> a & b;
                        case "or" -> a | b;
                        default -> a ^ b;
                    }, in);
                }
                case "not" -> write(o[0], t.equals("pred") ? 1 - read(o[1], in) : ~read(o[1], in), in);
                case "shr" -> {
                    long v = read(o[1], in);
                    int shift = (int) read(o[2], in);
                    write(o[0], switch (t) {
                        case "u32", "b32" -> (v & 0xffff_ffffL) >>> Math.min(shift, 32);
                        case "s32" -> ((int) v >> Math.min(shift, 31)) & 0xffff_ffffL;
                        case "u64", "b64" -> shift >= 64 ? 0 : v >>> shift;
                        case "s64" -> v >> Math.min(shift, 63);
                        default -> throw unsupported(in);
                    }, in);
                }
                case "setp" -> write(o[0], compare(in, in.opcode()[1], read(o[1], in), read(o[2], in)) ? 1 : 0, in);
                case "selp" -> write(o[0], read(o[3], in) != 0 ? read(o[1], in) : read(o[2], in), in);
                case "cvt" -> write(o[0], convert(in, read(o[1], in)), in);
                default -> throw unsupported(in);
            }
        }

        private IllegalArgumentException unsupported(Instruction in) {
            return error(in.line(), in.text(), "instruction not supported by the PTX interpreter");
        }

        /** The registers of a vector operand {@code {%f1, %f2, %f3, %f4}}: four of them. */
        private String[] vectorRegisters(String operand, Instruction in) {
            if (!operand.startsWith("{") || !operand.endsWith("}")) {
                throw error(in.line(), in.text(), "expected a vector operand {...}, got " + operand);
            }
            String[] registers = operand.substring(1, operand.length() - 1).split(",");
            if (registers.length != 4) {
                throw error(in.line(), in.text(), "a .v4 access needs four registers, got " + registers.length);
            }
            for (int i = 0; i < 4; i++) {
                registers[i] = registers[i].trim();
            }
            return registers;
        }

        /** The next 32-bit element of a vector load. */
        private long element(ByteBuffer b, String t, Instruction in) {
            return switch (t) {
                case "s32", "u32", "f32", "b32" -> b.getInt() & 0xffff_ffffL;
                default -> throw unsupported(in);
            };
        }

        /** The bytes of a parameter a load reads ({@code [name]} or {@code [name+offset]}), checked against its size. */
        private ByteBuffer parameter(String operand, int width, Instruction in) {
            String inside = operand.substring(1, operand.length() - 1);
            int plus = inside.indexOf('+');
            String name = plus < 0 ? inside : inside.substring(0, plus);
            int offset = plus < 0 ? 0 : Integer.parseInt(inside.substring(plus + 1));
            for (int i = 0; i < e.params().size(); i++) {
                if (e.params().get(i).name().equals(name)) {
                    if (offset < 0 || offset + width > params[i].length) {
                        throw error(in.line(), in.text(), String.format("parameter access of %d bytes at %d is outside "
                                + "the %d bytes of %s", width, offset, params[i].length, name));
                    }
                    return ByteBuffer.wrap(params[i], offset, width).order(ByteOrder.LITTLE_ENDIAN);
                }
            }
            throw error(in.line(), in.text(), "no parameter " + name);
        }

        /** The bytes a global or shared access touches, checked against the allocation or the block's shared memory. */
        private ByteBuffer access(String operand, int width, Instruction in) {
            long address = address(operand, in);
            if (address % width != 0) {
                // The hardware requires every access, a vector's too, to be aligned to its size.
                throw error(in.line(), in.text(), String.format("access of %d bytes at %d is not aligned to its size",
                        width, address));
            }
            if (has(in, "global")) {
                return memory.at(address, width, in);
            }
            if (has(in, "shared")) {
                if (address < 0 || address + width > e.sharedBytes()) {
                    throw error(in.line(), in.text(), String.format("shared access of %d bytes at %d is outside the %d "
                            + "declared bytes", width, address, e.sharedBytes()));
                }
                ByteBuffer b = shared.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                b.position((int) address);
                return b;
            }
            throw error(in.line(), in.text(), "only param, global and shared memory are modelled");
        }

        static int width(String t) {
            return switch (t) {
                case "u8", "s8" -> 1;
                case "b16" -> 2;
                case "u32", "s32", "f32", "b32" -> 4;
                default -> 8;
            };
        }

        private long address(String operand, Instruction in) {
            String inner = operand.substring(1, operand.length() - 1);
            int plus = inner.indexOf('+');
            long base = read(plus < 0 ? inner : inner.substring(0, plus), in);
            return plus < 0 ? base : base + Long.parseLong(inner.substring(plus + 1));
        }

        private long read(String operand, Instruction in) {
            switch (operand) {
                case "%tid.x" -> {
                    return grid[1];
                }
                case "%ctaid.x" -> {
                    return grid[0];
                }
                case "%nctaid.x" -> {
                    return grid[2];
                }
                case "%ntid.x" -> {
                    return grid[3];
                }
                default -> {
                }
            }
            if (operand.startsWith("%")) {
                Long v = registers.get(operand);
                if (v == null) {
                    declared(operand, in);
                    throw error(in.line(), in.text(), "register " + operand + " is read before it is written");
                }
                return v;
            }
            if (operand.startsWith("0f")) {
                return Long.parseLong(operand.substring(2), 16);
            }
            if (operand.startsWith("0d")) {
                return Long.parseUnsignedLong(operand.substring(2), 16);
            }
            if (operand.startsWith("0x")) {
                return Long.parseUnsignedLong(operand.substring(2), 16);
            }
            Integer sharedOffset = e.shared().get(operand);
            if (sharedOffset != null) {
                return sharedOffset;
            }
            return Long.parseLong(operand);
        }

        private void declared(String register, Instruction in) {
            String prefix = register.replaceAll("\\d+$", "");
            Integer count = e.registerCounts().get(prefix);
            int n = Integer.parseInt(register.substring(prefix.length()));
            if (count == null || n >= count) {
                throw error(in.line(), in.text(), "register " + register + " is not declared");
            }
        }

        private void write(String register, long value, Instruction in) {
            declared(register, in);
            boolean narrow = register.startsWith("%r") && !register.startsWith("%rd") || register.startsWith("%f")
                    && !register.startsWith("%fd");
            registers.put(register, register.startsWith("%p") ? (value != 0 ? 1 : 0) : narrow ? value & 0xffff_ffffL : value);
        }

        private long arithmetic(Instruction in, long a, long b) {
            return arithmeticOn(in.opcode()[0], in, a, b);
        }

        private long arithmeticOn(String op, Instruction in, long a, long b) {
            String t = type(in);
            if (has(in, "wide")) {
                // mul.wide.s32: the full 64-bit product of two 32-bit values.
                return (long) (int) a * (long) (int) b;
            }
            if (has(in, "hi")) {
                // mul.hi: the upper half of the full product.
                if (t.equals("u32")) {
                    return ((a & 0xffff_ffffL) * (b & 0xffff_ffffL)) >>> 32;
                }
                throw unsupported(in);
            }
            switch (t) {
                case "f32" -> {
                    float x = f32(a);
                    float y = f32(b);
                    return f32(switch (op) {
                        case "add" -> x + y;
                        case "sub" -> x - y;
                        case "mul" -> x * y;
                        case "div" -> x / y;
                        case "max" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : x >= y ? x : y;
                        case "min" -> Float.isNaN(x) ? y : Float.isNaN(y) ? x : x <= y ? x : y;
                        default -> throw unsupported(in);
                    });
                }
                case "f64" -> {
                    double x = f64(a);
                    double y = f64(b);
                    return f64(switch (op) {
                        case "add" -> x + y;
                        case "sub" -> x - y;
                        case "mul" -> x * y;
                        case "div" -> x / y;
                        case "max" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : x >= y ? x : y;
                        case "min" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : x <= y ? x : y;
                        default -> throw unsupported(in);
                    });
                }
                case "s32", "u32" -> {
                    int x = (int) a;
                    int y = (int) b;
                    boolean unsigned = t.equals("u32");
                    return (switch (op) {
                        case "add" -> x + y;
                        case "sub" -> x - y;
                        case "mul" -> x * y;
                        case "div" -> unsigned ? Integer.divideUnsigned(x, nonZero(y, in)) : x / nonZero(y, in);
                        case "rem" -> unsigned ? Integer.remainderUnsigned(x, nonZero(y, in)) : x % nonZero(y, in);
                        case "max" -> unsigned ? (Integer.compareUnsigned(x, y) >= 0 ? x : y) : Math.max(x, y);
                        case "min" -> unsigned ? (Integer.compareUnsigned(x, y) <= 0 ? x : y) : Math.min(x, y);
                        default -> throw unsupported(in);
                    }) & 0xffff_ffffL;
                }
                case "s64", "u64" -> {
                    return switch (op) {
                        case "add" -> a + b;
                        case "sub" -> a - b;
                        case "mul" -> a * b;
                        case "div" -> t.equals("u64") ? Long.divideUnsigned(a, nonZero(b, in)) : a / nonZero(b, in);
                        case "rem" -> t.equals("u64") ? Long.remainderUnsigned(a, nonZero(b, in)) : a % nonZero(b, in);
                        case "max" -> Math.max(a, b);
                        case "min" -> Math.min(a, b);
                        default -> throw unsupported(in);
                    };
                }
                default -> throw unsupported(in);
            }
        }

        private int nonZero(int divisor, Instruction in) {
            return (int) nonZero((long) divisor, in);
        }

        private long nonZero(long divisor, Instruction in) {
            if (divisor == 0) {
                throw error(in.line(), in.text(), "integer division by zero (unspecified in PTX)");
            }
            return divisor;
        }

        private boolean compare(Instruction in, String cmp, long a, long b) {
            String t = type(in);
            if (t.equals("f32") || t.equals("f64")) {
                double x = t.equals("f32") ? f32(a) : f64(a);
                double y = t.equals("f32") ? f32(b) : f64(b);
                boolean unordered = Double.isNaN(x) || Double.isNaN(y);
                return switch (cmp) {
                    case "eq" -> x == y;
                    case "ne" -> !unordered && x != y;
                    case "lt" -> x < y;
                    case "le" -> x <= y;
                    case "gt" -> x > y;
                    case "ge" -> x >= y;
                    case "equ" -> unordered || x == y;
                    case "neu" -> unordered || x != y;
                    case "geu" -> unordered || x >= y;
                    case "ltu" -> unordered || x < y;
                    case "nan" -> unordered;
                    default -> throw unsupported(in);
                };
            }
            int order = switch (t) {
                case "s32" -> Integer.compare((int) a, (int) b);
                case "u32" -> Integer.compareUnsigned((int) a, (int) b);
                case "s64" -> Long.compare(a, b);
                case "u64" -> Long.compareUnsigned(a, b);
                default -> throw unsupported(in);
            };
            return switch (cmp) {
                case "eq" -> order == 0;
                case "ne" -> order != 0;
                case "lt" -> order < 0;
                case "le" -> order <= 0;
                case "gt" -> order > 0;
                case "ge" -> order >= 0;
                default -> throw unsupported(in);
            };
        }

        /**
         * cvt[.rounding].to.from. Float to integer truncates (rzi) and saturates; NaN becomes the most
         * negative integer, as an H100 gives it (tools/ptx-gpu-check), not 0.
         */
        private long convert(Instruction in, long v) {
            String[] parts = in.opcode();
            String to = parts[parts.length - 2];
            String from = parts[parts.length - 1];
            String rounding = parts.length == 4 ? parts[1] : "";
            if (to.equals(from)) {
                double x = to.equals("f32") ? f32(v) : f64(v);
                double r = switch (rounding) {
                    case "rmi" -> Math.floor(x);
                    case "rpi" -> Math.ceil(x);
                    case "rni" -> Math.rint(x);
                    default -> throw unsupported(in);
                };
                return to.equals("f32") ? f32((float) r) : f64(r);
            }
            boolean floatSource = from.equals("f16") || from.equals("f32") || from.equals("f64");
            boolean floatTarget = to.equals("f16") || to.equals("f32") || to.equals("f64");
            if (from.equals("u64") && floatTarget) {
                throw unsupported(in);
            }
            double real = from.equals("f16") ? io.jitflow.ir.Float16.toFloat((short) v)
                    : from.equals("f32") ? f32(v) : from.equals("f64") ? f64(v) : 0;
            long integer = switch (from) {
                case "s32" -> (int) v;
                case "u32" -> v & 0xffff_ffffL;
                case "s64", "u64" -> v;
                default -> 0;
            };
            return switch (to) {
                // Rounded once to float16, from the source's exact value.
                case "f16" -> io.jitflow.ir.Float16.fromDouble(floatSource ? real : (double) integer) & 0xffffL;
                case "f32" -> f32(floatSource ? (float) real : (float) integer);
                case "f64" -> f64(floatSource ? real : (double) integer);
                case "s32" -> (floatSource ? (Double.isNaN(real) ? Integer.MIN_VALUE : (int) real) : (int) integer) & 0xffff_ffffL;
                case "u32" -> floatSource ? (Double.isNaN(real) ? 0 : (long) Math.max(0, Math.min(4294967295.0, real)))
                        & 0xffff_ffffL : integer & 0xffff_ffffL;
                case "s64" -> floatSource ? (Double.isNaN(real) ? Long.MIN_VALUE : (long) real) : integer;
                case "u64" -> {
                    if (floatSource) {
                        throw unsupported(in);
                    }
                    yield integer;
                }
                default -> throw unsupported(in);
            };
        }

        private static float f32(long bits) {
            return Float.intBitsToFloat((int) bits);
        }

        private static long f32(float v) {
            return Float.floatToRawIntBits(v) & 0xffff_ffffL;
        }

        private static double f64(long bits) {
            return Double.longBitsToDouble(bits);
        }

        private static long f64(double v) {
            return Double.doubleToRawLongBits(v);
        }
    }
}
