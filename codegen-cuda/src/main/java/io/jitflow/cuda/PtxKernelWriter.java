package io.jitflow.cuda;

import io.jitflow.ir.ops.Philox;
import io.jitflow.runtime.cuda.CudaExecutable;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one kernel as a PTX entry. Values live in virtual registers, one per result (ptxas
 * allocates the real ones): {@code %p} predicates (bool), {@code %r} 32-bit integers (int32, and
 * uint8 kept masked to 8 bits), {@code %rd} 64-bit integers and addresses, {@code %f} float32,
 * {@code %fd} float64. Floating arithmetic is written with {@code .rn}, which also keeps ptxas from
 * contracting a multiply and an add into a fused multiply-add, so results round as the reference's do.
 *
 * <p>Supported so far: maps, reductions of every kind (each thread folds its output point's
 * reduced axes in order; argmax/argmin only over a known non-empty axis) and matmuls with their epilogues (one thread per output element) over
 * bool, uint8, int32, int64, float32 and float64, with loads at
 * computed positions, selects, casts, and the scalar operations that need no library routine.
 * Anything else is refused with an {@link UnsupportedKernelException} naming it.
 */
final class PtxKernelWriter {
    /** The register classes and their prefixes. */
    private enum RegClass {
        PRED("pred", "%p"), B16("b16", "%h"), B32("b32", "%r"), B64("b64", "%rd"), F32("f32", "%f"), F64("f64", "%fd");

        final String ptx;
        final String prefix;

        RegClass(String ptx, String prefix) {
            this.ptx = ptx;
            this.prefix = prefix;
        }
    }

    private final KernelProgram program;
    private final int index;
    private final Kernel kernel;
    private final StringBuilder body = new StringBuilder();
    private final Map<RegClass, Integer> counts = new EnumMap<>(RegClass.class);
    private final Map<Buffer, String> pointers = new HashMap<>();
    private final Map<Buffer, String[]> strides = new HashMap<>();
    private final Map<String, String> symbolSizes = new HashMap<>();
    private final Map<Integer, String> coords = new HashMap<>();
    private String table;
    private String sizesTable;
    private String count;
    private String status;
    private final List<String> errors;
    private String accumulator;
    private int labels;

    /** {@code errors}: the module's run-time error messages so far; this kernel's are added. */
    PtxKernelWriter(KernelProgram program, int index, List<String> errors) {
        this.program = program;
        this.index = index;
        this.kernel = program.kernels().get(index);
        this.errors = errors;
    }

    String write() {
        String name = CudaExecutable.entryName(program, index);
        if (kernel instanceof Kernel.Matmul m) {
            matmulKernel(m);
        } else if (kernel instanceof Kernel.Loop loop) {
            if (loop.outputIndex() != null) {
                throw unsupported("maps that store at computed positions");
            }
            if (isArg(loop) && (loop.reducedAxes().size() != 1 || !loop.space().dim(loop.reducedAxes().get(0)).isStatic()
                    || loop.space().dim(loop.reducedAxes().get(0)).size() == 0)) {
                // An empty axis is an error on the CPU; a kernel cannot raise one, so only known non-empty axes.
                throw unsupported(loop.reducer().toString().toLowerCase() + " over an axis that may be empty");
            }
            if (CudaExecutable.reducesPerBlock(loop)) {
                blockReductionKernel(loop);
            } else {
                loopKernel(loop);
            }
        } else {
            throw unsupported(kernel.getClass().getSimpleName().toLowerCase() + " kernels");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("// kernel ").append(index).append(": ").append(fusedNodes()).append('\n');
        sb.append(".visible .entry ").append(name).append("(\n    .param .u64 buffers,\n    .param .u64 sizes,\n")
                .append("    .param .u32 count,\n    .param .u64 status)\n");
        if (kernel instanceof Kernel.Matmul || kernel instanceof Kernel.Loop l && CudaExecutable.reducesPerBlock(l)) {
            sb.append("    .reqntid ").append(BLOCK).append(", 1, 1\n");
        }
        sb.append("{\n");
        counts.forEach((c, n) -> sb.append("    .reg .").append(c.ptx).append(' ').append(c.prefix).append('<').append(n + 1)
                .append(">;\n"));
        sb.append(sharedDeclarations);
        sb.append(body).append("}\n");
        return sb.toString();
    }

    /** The graph nodes the kernel computes, as {@code %a, %b}. */
    private String fusedNodes() {
        return String.join(", ", kernel.fused().stream().map(n -> "%" + n).toList());
    }

    private UnsupportedKernelException unsupported(String what) {
        return new UnsupportedKernelException("kernel " + index + " (" + fusedNodes() + ") of @"
                + program.name() + ": the CUDA backend does not support " + what + " yet");
    }

    // ---- registers and instructions ----

    private final PtxMath math = new PtxMath(new PtxMath.Asm() {
        @Override
        public String f64() {
            return reg(RegClass.F64);
        }

        @Override
        public String s32() {
            return reg(RegClass.B32);
        }

        @Override
        public String b64() {
            return reg(RegClass.B64);
        }

        @Override
        public String pred() {
            return reg(RegClass.PRED);
        }

        @Override
        public void emit(String instruction) {
            PtxKernelWriter.this.emit(instruction);
        }

        @Override
        public String label() {
            return PtxKernelWriter.this.label();
        }

        @Override
        public void mark(String label) {
            PtxKernelWriter.this.mark(label);
        }

        @Override
        public void failUnless(String ok, String message) {
            PtxKernelWriter.this.failUnless(ok, message);
        }
    });

    private String reg(RegClass c) {
        int n = counts.merge(c, 1, Integer::sum);
        return c.prefix + n;
    }

    private static RegClass regClass(DType dtype) {
        return switch (dtype) {
            case BOOL -> RegClass.PRED;
            case UINT8, INT32 -> RegClass.B32;
            case INT64 -> RegClass.B64;
            // A float16 value lives in a float32 register, where it is exact (see roundToHalf).
            case FLOAT16, FLOAT32 -> RegClass.F32;
            case FLOAT64 -> RegClass.F64;
        };
    }

    /** The PTX type suffix for arithmetic on a dtype. */
    private static String type(DType dtype) {
        return switch (dtype) {
            case UINT8 -> "u32";
            case INT32 -> "s32";
            case INT64 -> "s64";
            case FLOAT16, FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case BOOL -> "pred";
        };
    }

    private void emit(String instruction) {
        body.append("    ").append(instruction).append(";\n");
    }

    private String label() {
        return "L" + labels++;
    }

    private void mark(String label) {
        body.append(label).append(":\n");
    }

    private String newValue(DType dtype) {
        return reg(regClass(dtype));
    }

    /**
     * Rounds a float16 result computed in float32 (or float64) to float16, in place. Rounding twice,
     * to float32 and then to float16, gives the correctly rounded float16 sum, difference, product,
     * quotient or square root, since float32 has more than twice float16's precision plus two bits.
     */
    private void roundToHalf(String value, DType computedIn) {
        String half = reg(RegClass.B16);
        emit("cvt.rn.f16." + type(computedIn) + " " + half + ", " + value);
        emit("cvt.f32.f16 " + value + ", " + half);
    }

    // ---- the loop ----

    private void loopKernel(Kernel.Loop l) {
        Shape space = l.space();
        List<Integer> kept = new ArrayList<>();
        for (int d = 0; d < space.rank(); d++) {
            if (!l.reducedAxes().contains(d)) {
                kept.add(d);
            }
        }
        prologue();
        prepareBuffers(l.body());
        if (l.isReduction()) {
            prepareBuffers(l.epilogue());
        }
        prepare(l.output());
        gridLoop(space, kept, () -> {
            String value;
            if (l.isReduction()) {
                accumulator = newValue(l.accumulator());
                if (l.accumulator() == DType.BOOL) {
                    emit("setp.ne.u32 " + accumulator + ", " + asRegister(l.reducer() == Kernel.Reducer.ALL ? "1" : "0") + ", 0");
                } else {
                    emit("mov." + moveType(l.accumulator()) + " " + accumulator + ", " + identity(l));
                }
                String best = isArg(l) ? newValue(l.body().dtype().isFloating() ? DType.FLOAT64 : DType.INT64) : null;
                reduce(l, space, 0, best);
                value = evaluate(l.epilogue());
            } else {
                value = evaluate(l.body());
            }
            store(l.output(), flatIndex(space, kept), value);
        });
    }

    /** The side of a matmul's square output tile; a block of TILE x TILE threads computes one. */
    static final int TILE = 16;
    /** The threads of a block, in the kernels that require a block size (tiled matmuls, block reductions). */
    static final int BLOCK = TILE * TILE;
    private static final int WARP = 32;

    private final StringBuilder sharedDeclarations = new StringBuilder();

    /** Declares a block-shared array of {@code bytes} and returns a register holding its shared address. */
    private String sharedArray(String name, int bytes) {
        sharedDeclarations.append("    .shared .align 8 .b8 ").append(name).append('[').append(bytes).append("];\n");
        String address = reg(RegClass.B32);
        emit("mov.u32 " + address + ", " + name);
        return address;
    }

    /**
     * A tiled matmul: each block computes TILE x TILE output elements at a time, staging TILE x TILE
     * tiles of both operands (converted to the accumulator's dtype) through shared memory, so each
     * operand element is read from global memory once per tile instead of once per product. Every
     * thread still sums its own element's products in order of p, products and sums rounded
     * separately in the accumulator's dtype, as the CPU backend's exact path does, so results are
     * bit-identical; the sum is rounded to the output dtype and an epilogue sees that rounded value
     * as its accumulator. Blocks loop over tiles (batch, tile row, tile column), so any grid covers
     * them all; the entry requires blocks of TILE x TILE threads.
     */
    private void matmulKernel(Kernel.Matmul m) {
        Shape out = m.output().type().shape();
        int rank = out.rank();
        prologue();
        for (Buffer b : List.of(m.a(), m.b(), m.output())) {
            prepare(b);
        }
        prepareBuffers(m.epilogue());
        List<Integer> all = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            all.add(d);
        }
        DType acc = m.accumulator();
        DType outType = m.output().type().dtype();
        int bytes = elementSize(acc);
        String tileA = sharedArray("tile_a", TILE * TILE * bytes);
        String tileB = sharedArray("tile_b", TILE * TILE * bytes);
        String thread = reg(RegClass.B32);
        emit("mov.u32 " + thread + ", %tid.x");
        String tx = reg(RegClass.B32);
        String ty = reg(RegClass.B32);
        emit("rem.u32 " + tx + ", " + thread + ", " + TILE);
        emit("div.u32 " + ty + ", " + thread + ", " + TILE);
        String rows = asRegister(size(out.dim(rank - 2)));
        String cols = asRegister(size(out.dim(rank - 1)));
        String depth = asRegister(size(m.a().type().shape().dim(m.a().type().rank() - (m.transposeA() ? 2 : 1))));
        String tileRows = reg(RegClass.B32);
        String tileCols = reg(RegClass.B32);
        emit("add.s32 " + tileRows + ", " + rows + ", " + (TILE - 1));
        emit("div.u32 " + tileRows + ", " + tileRows + ", " + TILE);
        emit("add.s32 " + tileCols + ", " + cols + ", " + (TILE - 1));
        emit("div.u32 " + tileCols + ", " + tileCols + ", " + TILE);
        String tiles = reg(RegClass.B32);
        emit("mul.lo.s32 " + tiles + ", " + tileRows + ", " + tileCols);
        for (int d = 0; d < rank - 2; d++) {
            emit("mul.lo.s32 " + tiles + ", " + tiles + ", " + asRegister(size(out.dim(d))));
        }
        // Where this thread's element of a tile sits in the tile arrays: [ty][tx].
        String slot = reg(RegClass.B32);
        emit("mad.lo.s32 " + slot + ", " + ty + ", " + TILE * bytes + ", " + tileA);
        emit("mad.lo.s32 " + slot + ", " + tx + ", " + bytes + ", " + slot);
        String slotB = reg(RegClass.B32);
        emit("sub.s32 " + slotB + ", " + slot + ", " + tileA);
        emit("add.s32 " + slotB + ", " + slotB + ", " + tileB);

        String tile = reg(RegClass.B32);
        String grid = reg(RegClass.B32);
        emit("mov.u32 " + tile + ", %ctaid.x");
        emit("mov.u32 " + grid + ", %nctaid.x");
        String tileTop = label();
        String tilesDone = label();
        mark(tileTop);
        String finished = reg(RegClass.PRED);
        emit("setp.ge.s32 " + finished + ", " + tile + ", " + tiles);
        emit("@" + finished + " bra " + tilesDone);
        String rest = reg(RegClass.B32);
        emit("mov.u32 " + rest + ", " + tile);
        String tileCol = reg(RegClass.B32);
        String tileRow = reg(RegClass.B32);
        emit("rem.u32 " + tileCol + ", " + rest + ", " + tileCols);
        emit("div.u32 " + rest + ", " + rest + ", " + tileCols);
        emit("rem.u32 " + tileRow + ", " + rest + ", " + tileRows);
        emit("div.u32 " + rest + ", " + rest + ", " + tileRows);
        for (int d = rank - 3; d >= 0; d--) {
            String coord = reg(RegClass.B32);
            emit("rem.u32 " + coord + ", " + rest + ", " + asRegister(size(out.dim(d))));
            emit("div.u32 " + rest + ", " + rest + ", " + asRegister(size(out.dim(d))));
            coords.put(d, coord);
        }
        String i = reg(RegClass.B32);
        String j = reg(RegClass.B32);
        emit("mad.lo.s32 " + i + ", " + tileRow + ", " + TILE + ", " + ty);
        emit("mad.lo.s32 " + j + ", " + tileCol + ", " + TILE + ", " + tx);
        coords.put(rank - 2, i);
        coords.put(rank - 1, j);
        String inside = reg(RegClass.PRED);
        String colInside = reg(RegClass.PRED);
        emit("setp.lt.s32 " + inside + ", " + i + ", " + rows);
        emit("setp.lt.s32 " + colInside + ", " + j + ", " + cols);
        emit("and.pred " + inside + ", " + inside + ", " + colInside);

        String sum = newValue(acc);
        emit("mov." + moveType(acc) + " " + sum + ", " + constant(acc, 0));
        String k0 = reg(RegClass.B32);
        emit("mov.u32 " + k0 + ", 0");
        String stepTop = label();
        String stepsDone = label();
        mark(stepTop);
        String stepsOver = reg(RegClass.PRED);
        emit("setp.ge.s32 " + stepsOver + ", " + k0 + ", " + depth);
        emit("@" + stepsOver + " bra " + stepsDone);
        // Stage a[i, k0 + tx] and b[k0 + ty, j] (in their transposed layouts where asked), where they exist.
        String p = reg(RegClass.B32);
        emit("add.s32 " + p + ", " + k0 + ", " + tx);
        stage(m.a(), out, acc, i, rows, p, depth, m.transposeA(), slot);
        String q = reg(RegClass.B32);
        emit("add.s32 " + q + ", " + k0 + ", " + ty);
        stage(m.b(), out, acc, q, depth, j, cols, m.transposeB(), slotB);
        emit("bar.sync 0");
        String skip = label();
        emit("@!" + inside + " bra " + skip);
        String width = reg(RegClass.B32);
        emit("sub.s32 " + width + ", " + depth + ", " + k0);
        emit("min.s32 " + width + ", " + width + ", " + TILE);
        String kk = reg(RegClass.B32);
        emit("mov.u32 " + kk + ", 0");
        String dotTop = label();
        mark(dotTop);
        String dotOver = reg(RegClass.PRED);
        emit("setp.ge.s32 " + dotOver + ", " + kk + ", " + width);
        emit("@" + dotOver + " bra " + skip);
        String at = reg(RegClass.B32);
        emit("mad.lo.s32 " + at + ", " + ty + ", " + TILE + ", " + kk);
        emit("mad.lo.s32 " + at + ", " + at + ", " + bytes + ", " + tileA);
        String x = newValue(acc);
        emit("ld.shared." + type(acc) + " " + x + ", [" + at + "]");
        emit("mad.lo.s32 " + at + ", " + kk + ", " + TILE + ", " + tx);
        emit("mad.lo.s32 " + at + ", " + at + ", " + bytes + ", " + tileB);
        String y = newValue(acc);
        emit("ld.shared." + type(acc) + " " + y + ", [" + at + "]");
        String product = newValue(acc);
        emit(arith("mul", acc) + " " + product + ", " + x + ", " + y);
        emit(arith("add", acc) + " " + sum + ", " + sum + ", " + product);
        emit("add.s32 " + kk + ", " + kk + ", 1");
        emit("bra " + dotTop);
        mark(skip);
        emit("bar.sync 0");
        emit("add.s32 " + k0 + ", " + k0 + ", " + TILE);
        emit("bra " + stepTop);
        mark(stepsDone);
        String after = label();
        emit("@!" + inside + " bra " + after);
        String rounded = convert(sum, acc, outType);
        accumulator = convert(rounded, outType, acc);
        onFailure = after;
        store(m.output(), flatIndex(out, all), evaluate(m.epilogue()));
        onFailure = null;
        mark(after);
        emit("add.s32 " + tile + ", " + tile + ", " + grid);
        emit("bra " + tileTop);
        mark(tilesDone);
        emit("ret");
    }

    /**
     * Stores the operand's element [row, col] of the logical (untransposed) matrix, converted to the
     * accumulator's dtype, into this thread's slot of a shared tile, when row < rows and col < cols.
     */
    private void stage(Buffer operand, Shape out, DType acc, String row, String rows, String col, String cols,
                       boolean transposed, String slot) {
        String skip = label();
        String outside = reg(RegClass.PRED);
        String colOutside = reg(RegClass.PRED);
        emit("setp.ge.s32 " + outside + ", " + row + ", " + rows);
        emit("setp.ge.s32 " + colOutside + ", " + col + ", " + cols);
        emit("or.pred " + outside + ", " + outside + ", " + colOutside);
        emit("@" + outside + " bra " + skip);
        String value = convert(matrixLoad(operand, out, transposed ? col : row, transposed ? row : col),
                operand.type().dtype(), acc);
        emit("st.shared." + type(acc) + " [" + slot + "], " + value);
        mark(skip);
    }

    /** Element [row, col] of a matmul operand, its batch dims aligned right with the output's (size 1 broadcasts). */
    private String matrixLoad(Buffer operand, Shape out, String row, String col) {
        Shape shape = operand.type().shape();
        int batchRank = shape.rank() - 2;
        String[] s = strides.get(operand);
        String flat = reg(RegClass.B32);
        emit("mov.u32 " + flat + ", 0");
        for (int d = 0; d < batchRank; d++) {
            String coord = coords.get(out.rank() - 2 - batchRank + d);
            String index = reg(RegClass.B32);
            String broadcast = reg(RegClass.PRED);
            emit("setp.eq.u32 " + broadcast + ", " + asRegister(size(shape.dim(d))) + ", 1");
            emit("selp.u32 " + index + ", 0, " + coord + ", " + broadcast);
            emit("mad.lo.s32 " + flat + ", " + index + ", " + asRegister(s[d]) + ", " + flat);
        }
        emit("mad.lo.s32 " + flat + ", " + row + ", " + asRegister(s[batchRank]) + ", " + flat);
        emit("add.s32 " + flat + ", " + flat + ", " + col);
        return loadElement(operand, flat);
    }

    /** Loads the parameters: the buffer table, the sizes table and the point count. */
    private void prologue() {
        table = reg(RegClass.B64);
        sizesTable = reg(RegClass.B64);
        count = reg(RegClass.B32);
        emit("ld.param.u64 " + table + ", [buffers]");
        emit("cvta.to.global.u64 " + table + ", " + table);
        emit("ld.param.u64 " + sizesTable + ", [sizes]");
        emit("cvta.to.global.u64 " + sizesTable + ", " + sizesTable);
        emit("ld.param.u32 " + count + ", [count]");
        status = reg(RegClass.B64);
        emit("ld.param.u64 " + status + ", [status]");
        emit("cvta.to.global.u64 " + status + ", " + status);
    }

    /** Unless {@code ok} holds, reports {@code message} through the status word and stops the thread. */
    private void failUnless(String ok, String message) {
        int code = errors.indexOf(message) + 1;
        if (code == 0) {
            errors.add(message);
            code = errors.size();
        }
        String fine = label();
        emit("@" + ok + " bra " + fine);
        String r = reg(RegClass.B32);
        emit("mov.u32 " + r + ", " + code);
        emit("st.global.u32 [" + status + "], " + r);
        // In a kernel with barriers every thread must reach each of them: skip the work, not the rest.
        emit(onFailure == null ? "ret" : "bra " + onFailure);
        mark(fine);
    }

    /** Where a failed check continues in a kernel with barriers (null: the thread returns). */
    private String onFailure;

    /**
     * The grid-stride loop over the output points: each thread takes point blockIdx * blockDim +
     * threadIdx, then every gridDim * blockDim-th; {@code body} runs with the point's coordinates
     * along {@code axes} (last axis fastest) in {@link #coords}.
     */
    private void gridLoop(Shape space, List<Integer> axes, Runnable body) {
        String point = reg(RegClass.B32);
        String step = reg(RegClass.B32);
        String block = reg(RegClass.B32);
        String threads = reg(RegClass.B32);
        String thread = reg(RegClass.B32);
        emit("mov.u32 " + block + ", %ctaid.x");
        emit("mov.u32 " + threads + ", %ntid.x");
        emit("mov.u32 " + thread + ", %tid.x");
        emit("mad.lo.s32 " + point + ", " + block + ", " + threads + ", " + thread);
        String grid = reg(RegClass.B32);
        emit("mov.u32 " + grid + ", %nctaid.x");
        emit("mul.lo.s32 " + step + ", " + grid + ", " + threads);
        String top = label();
        String done = label();
        mark(top);
        String finished = reg(RegClass.PRED);
        emit("setp.ge.s32 " + finished + ", " + point + ", " + count);
        emit("@" + finished + " bra " + done);
        String rest = reg(RegClass.B32);
        emit("mov.u32 " + rest + ", " + point);
        for (int i = axes.size() - 1; i >= 0; i--) {
            int axis = axes.get(i);
            String size = size(space.dim(axis));
            String coord = reg(RegClass.B32);
            emit("rem.u32 " + coord + ", " + rest + ", " + size);
            emit("div.u32 " + rest + ", " + rest + ", " + size);
            coords.put(axis, coord);
        }
        body.run();
        emit("add.s32 " + point + ", " + point + ", " + step);
        emit("bra " + top);
        mark(done);
        emit("ret");
    }

    private static boolean isArg(Kernel.Loop l) {
        return l.reducer() == Kernel.Reducer.ARGMAX || l.reducer() == Kernel.Reducer.ARGMIN;
    }

    /** The fold's starting value, as the CPU backend starts it. */
    private String identity(Kernel.Loop l) {
        DType acc = l.accumulator();
        DType value = l.body().dtype();
        return switch (l.reducer()) {
            case SUM, ANY, ARGMAX, ARGMIN -> constant(acc, 0);
            case PROD, ALL -> constant(acc, 1);
            case MAX -> acc.isFloating() ? constant(Expr.Const.of(acc, Double.NEGATIVE_INFINITY))
                    : constant(acc, value == DType.UINT8 ? 0 : value == DType.INT32 ? Integer.MIN_VALUE : Long.MIN_VALUE);
            case MIN -> acc.isFloating() ? constant(Expr.Const.of(acc, Double.POSITIVE_INFINITY))
                    : constant(acc, value == DType.UINT8 ? 255 : value == DType.INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE);
        };
    }

    /**
     * Nested counted loops over the reduced axes, in axis order, folding the body into the
     * accumulator; {@code best} holds the extreme value so far of an argmax/argmin.
     */
    private void reduce(Kernel.Loop l, Shape space, int from, String best) {
        if (from == l.reducedAxes().size()) {
            String v = evaluate(l.body());
            if (best != null) {
                foldArg(l, v, best);
                return;
            }
            fold(l, convert(v, l.body().dtype(), l.accumulator()));
            return;
        }
        int axis = l.reducedAxes().get(from);
        String coord = reg(RegClass.B32);
        coords.put(axis, coord);
        String size = size(space.dim(axis));
        String top = label();
        String end = label();
        String out = reg(RegClass.PRED);
        emit("mov.u32 " + coord + ", 0");
        mark(top);
        emit("setp.ge.s32 " + out + ", " + coord + ", " + size);
        emit("@" + out + " bra " + end);
        reduce(l, space, from + 1, best);
        emit("add.s32 " + coord + ", " + coord + ", 1");
        emit("bra " + top);
        mark(end);
    }

    /**
     * A reduction where each output point is reduced by a whole block: every thread folds the
     * elements it strides over (in the order of the reduced axes), the 32 lanes of each warp
     * combine theirs with shuffles, the warps' results meet in shared memory, and warp 0 combines
     * those; thread 0 applies the epilogue and stores. Blocks loop over points. Integer, bool,
     * max and min results are exactly the reference's; float sums and products are combined in
     * another order (in float64), so they can differ from the reference in the last bits.
     */
    private void blockReductionKernel(Kernel.Loop l) {
        Shape space = l.space();
        List<Integer> kept = new ArrayList<>();
        for (int d = 0; d < space.rank(); d++) {
            if (!l.reducedAxes().contains(d)) {
                kept.add(d);
            }
        }
        prologue();
        prepareBuffers(l.body());
        prepareBuffers(l.epilogue());
        prepare(l.output());
        DType acc = l.accumulator();
        String partials = sharedArray("partials", 8 * (BLOCK / WARP));
        String thread = reg(RegClass.B32);
        emit("mov.u32 " + thread + ", %tid.x");
        String lane = reg(RegClass.B32);
        String warp = reg(RegClass.B32);
        emit("rem.u32 " + lane + ", " + thread + ", " + WARP);
        emit("div.u32 " + warp + ", " + thread + ", " + WARP);
        String extent = reg(RegClass.B32);
        emit("mov.u32 " + extent + ", 1");
        for (int axis : l.reducedAxes()) {
            emit("mul.lo.s32 " + extent + ", " + extent + ", " + size(space.dim(axis)));
        }
        String point = reg(RegClass.B32);
        String grid = reg(RegClass.B32);
        emit("mov.u32 " + point + ", %ctaid.x");
        emit("mov.u32 " + grid + ", %nctaid.x");
        String pointTop = label();
        String pointsDone = label();
        mark(pointTop);
        String finished = reg(RegClass.PRED);
        emit("setp.ge.s32 " + finished + ", " + point + ", " + count);
        emit("@" + finished + " bra " + pointsDone);
        decompose(point, space, kept);
        accumulator = newValue(acc);
        setIdentity(l);
        // This thread's share: elements thread, thread + BLOCK, ... of the reduced axes, in order.
        String element = reg(RegClass.B32);
        emit("mov.u32 " + element + ", " + thread);
        String elementTop = label();
        String next = label();
        String elementsDone = label();
        mark(elementTop);
        String over = reg(RegClass.PRED);
        emit("setp.ge.s32 " + over + ", " + element + ", " + extent);
        emit("@" + over + " bra " + elementsDone);
        decompose(element, space, l.reducedAxes());
        onFailure = next;
        fold(l, convert(evaluate(l.body()), l.body().dtype(), acc));
        onFailure = null;
        mark(next);
        emit("add.s32 " + element + ", " + element + ", " + BLOCK);
        emit("bra " + elementTop);
        mark(elementsDone);
        combineAcrossWarp(l, WARP / 2);
        String notFirstLane = reg(RegClass.PRED);
        emit("setp.ne.s32 " + notFirstLane + ", " + lane + ", 0");
        String slot = reg(RegClass.B32);
        emit("mad.lo.s32 " + slot + ", " + warp + ", 8, " + partials);
        String skipStore = label();
        emit("@" + notFirstLane + " bra " + skipStore);
        storeShared(slot, acc);
        mark(skipStore);
        emit("bar.sync 0");
        String notFirstWarp = reg(RegClass.PRED);
        emit("setp.ne.s32 " + notFirstWarp + ", " + warp + ", 0");
        String pointDone = label();
        emit("@" + notFirstWarp + " bra " + pointDone);
        // Warp 0: lane w takes warp w's result (the identity past the last warp), then they combine.
        setIdentity(l);
        String beyond = reg(RegClass.PRED);
        emit("setp.ge.s32 " + beyond + ", " + lane + ", " + BLOCK / WARP);
        String skipLoad = label();
        emit("@" + beyond + " bra " + skipLoad);
        emit("mad.lo.s32 " + slot + ", " + lane + ", 8, " + partials);
        move(accumulator, loadShared(slot, acc), acc);
        mark(skipLoad);
        combineAcrossWarp(l, BLOCK / WARP / 2);
        emit("@" + notFirstLane + " bra " + pointDone);
        onFailure = pointDone;
        store(l.output(), flatIndex(space, kept), evaluate(l.epilogue()));
        onFailure = null;
        mark(pointDone);
        emit("bar.sync 0");
        emit("add.s32 " + point + ", " + point + ", " + grid);
        emit("bra " + pointTop);
        mark(pointsDone);
        emit("ret");
    }

    /** Sets {@link #coords} along {@code axes} (last fastest) from a row-major position. */
    private void decompose(String position, Shape space, List<Integer> axes) {
        String rest = reg(RegClass.B32);
        emit("mov.u32 " + rest + ", " + position);
        for (int i = axes.size() - 1; i >= 0; i--) {
            int axis = axes.get(i);
            String size = size(space.dim(axis));
            String coord = reg(RegClass.B32);
            emit("rem.u32 " + coord + ", " + rest + ", " + size);
            emit("div.u32 " + rest + ", " + rest + ", " + size);
            coords.put(axis, coord);
        }
    }

    private void setIdentity(Kernel.Loop l) {
        if (l.accumulator() == DType.BOOL) {
            emit("setp.ne.u32 " + accumulator + ", " + asRegister(l.reducer() == Kernel.Reducer.ALL ? "1" : "0") + ", 0");
        } else {
            emit("mov." + moveType(l.accumulator()) + " " + accumulator + ", " + identity(l));
        }
    }

    /** Folds lane i + offset's accumulator into lane i's, for offset = from, from / 2, ..., 1 (lane 0 ends with all). */
    private void combineAcrossWarp(Kernel.Loop l, int from) {
        DType acc = l.accumulator();
        for (int offset = from; offset >= 1; offset /= 2) {
            if (acc == DType.BOOL) {
                String bits = reg(RegClass.B32);
                emit("selp.u32 " + bits + ", 1, 0, " + accumulator);
                emit("shfl.sync.down.b32 " + bits + ", " + bits + ", " + offset + ", 31, 0xffffffff");
                String other = newValue(acc);
                emit("setp.ne.u32 " + other + ", " + bits + ", 0");
                fold(l, other);
                continue;
            }
            // 64-bit accumulators travel as two 32-bit halves.
            String bits = reg(RegClass.B64);
            emit("mov.b64 " + bits + ", " + accumulator);
            String low = reg(RegClass.B32);
            String high = reg(RegClass.B32);
            emit("cvt.u32.u64 " + low + ", " + bits);
            String shifted = reg(RegClass.B64);
            emit("shr.u64 " + shifted + ", " + bits + ", 32");
            emit("cvt.u32.u64 " + high + ", " + shifted);
            emit("shfl.sync.down.b32 " + low + ", " + low + ", " + offset + ", 31, 0xffffffff");
            emit("shfl.sync.down.b32 " + high + ", " + high + ", " + offset + ", 31, 0xffffffff");
            String joined = reg(RegClass.B64);
            emit("cvt.u64.u32 " + joined + ", " + high);
            emit("shl.b64 " + joined + ", " + joined + ", 32");
            emit("cvt.u64.u32 " + shifted + ", " + low);
            emit("or.b64 " + joined + ", " + joined + ", " + shifted);
            String other = newValue(acc);
            emit("mov.b64 " + other + ", " + joined);
            fold(l, other);
        }
    }

    private void storeShared(String address, DType acc) {
        if (acc == DType.BOOL) {
            String bits = reg(RegClass.B32);
            emit("selp.u32 " + bits + ", 1, 0, " + accumulator);
            emit("st.shared.u32 [" + address + "], " + bits);
        } else {
            emit("st.shared." + type(acc) + " [" + address + "], " + accumulator);
        }
    }

    private String loadShared(String address, DType acc) {
        String value = newValue(acc);
        if (acc == DType.BOOL) {
            String bits = reg(RegClass.B32);
            emit("ld.shared.u32 " + bits + ", [" + address + "]");
            emit("setp.ne.u32 " + value + ", " + bits + ", 0");
        } else {
            emit("ld.shared." + type(acc) + " " + value + ", [" + address + "]");
        }
        return value;
    }

    /** Folds {@code value} (of the accumulator's dtype) into the accumulator with the loop's reducer. */
    private void fold(Kernel.Loop l, String value) {
        DType acc = l.accumulator();
        switch (l.reducer()) {
            case SUM, PROD -> {
                emit(arith(l.reducer() == Kernel.Reducer.SUM ? "add" : "mul", acc) + " " + accumulator + ", " + accumulator
                        + ", " + value);
                wrapUint8(accumulator, acc);
            }
            case ANY, ALL -> {
                String op = l.reducer() == Kernel.Reducer.ANY ? "or" : "and";
                emit(op + "." + (acc == DType.BOOL ? "pred" : acc == DType.INT64 ? "b64" : "b32") + " " + accumulator + ", "
                        + accumulator + ", " + value);
            }
            default -> {
                String folded = newValue(acc);
                minMax(l.reducer() == Kernel.Reducer.MAX ? ScalarOp.MAX : ScalarOp.MIN, acc, accumulator, value, folded);
                move(accumulator, folded, acc);
            }
        }
    }

    /** argmax/argmin: keep the first extreme; a NaN, once met, wins (as the reference does). */
    private void foldArg(Kernel.Loop l, String value, String best) {
        DType bestType = l.body().dtype().isFloating() ? DType.FLOAT64 : DType.INT64;
        String v = convert(value, l.body().dtype(), bestType);
        String take = label();
        String skip = label();
        String first = reg(RegClass.PRED);
        emit("setp.eq.s32 " + first + ", " + coords.get(l.reducedAxes().get(0)) + ", 0");
        emit("@" + first + " bra " + take);
        if (bestType == DType.FLOAT64) {
            String bestNaN = reg(RegClass.PRED);
            emit("setp.nan.f64 " + bestNaN + ", " + best + ", " + best);
            emit("@" + bestNaN + " bra " + skip);
            String valueNaN = reg(RegClass.PRED);
            emit("setp.nan.f64 " + valueNaN + ", " + v + ", " + v);
            emit("@" + valueNaN + " bra " + take);
        }
        String better = reg(RegClass.PRED);
        emit("setp." + (l.reducer() == Kernel.Reducer.ARGMAX ? "gt" : "lt") + "." + type(bestType) + " " + better + ", " + v
                + ", " + best);
        emit("@!" + better + " bra " + skip);
        mark(take);
        move(best, v, bestType);
        String index = convert(coords.get(l.reducedAxes().get(0)), DType.INT32, DType.INT64);
        move(accumulator, index, DType.INT64);
        mark(skip);
    }

    /** The row-major position of the given axes' coordinates in {@code space}. */
    private String flatIndex(Shape space, List<Integer> axes) {
        String flat = reg(RegClass.B32);
        emit("mov.u32 " + flat + ", 0");
        for (int axis : axes) {
            emit("mad.lo.s32 " + flat + ", " + flat + ", " + size(space.dim(axis)) + ", " + coords.get(axis));
        }
        return flat;
    }

    /** A register (or immediate) holding a dim's size. */
    private String size(Dim dim) {
        if (dim.isStatic()) {
            return Integer.toString(dim.size());
        }
        return symbolSizes.computeIfAbsent(dim.toString(), name -> {
            String r = reg(RegClass.B32);
            emit("ld.global.u32 " + r + ", [" + sizesTable + "+" + 4 * program.symbols().indexOf(name) + "]");
            return r;
        });
    }

    // ---- buffers ----

    private void prepareBuffers(Expr e) {
        Expr.walk(e, x -> {
            if (x instanceof Expr.Load l) {
                prepare(l.buffer());
            }
        });
    }

    /** Loads the buffer's device pointer from the table and computes its row-major strides, once. */
    private void prepare(Buffer b) {
        if (pointers.containsKey(b)) {
            return;
        }
        String pointer = reg(RegClass.B64);
        emit("ld.global.u64 " + pointer + ", [" + table + "+" + 8 * b.id() + "]");
        pointers.put(b, pointer);
        Shape shape = b.type().shape();
        String[] s = new String[shape.rank()];
        String previous = null;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            if (previous == null) {
                s[d] = "1";
            } else {
                s[d] = reg(RegClass.B32);
                emit("mul.lo.s32 " + s[d] + ", " + asRegister(previous) + ", " + size(shape.dim(d + 1)));
            }
            previous = s[d];
        }
        strides.put(b, s);
    }

    /** An operand that must be a register: immediates are moved into one. */
    private String asRegister(String operand) {
        if (operand.startsWith("%")) {
            return operand;
        }
        String r = reg(RegClass.B32);
        emit("mov.u32 " + r + ", " + operand);
        return r;
    }

    private static int elementSize(DType dtype) {
        return switch (dtype) {
            case BOOL, UINT8 -> 1;
            case INT32, FLOAT32 -> 4;
            case INT64, FLOAT64 -> 8;
            case FLOAT16 -> 2;
        };
    }

    /** The address of element {@code flat} (an int32 register) of {@code b}. */
    private String address(Buffer b, String flat) {
        String offset = reg(RegClass.B64);
        emit("mul.wide.s32 " + offset + ", " + asRegister(flat) + ", " + elementSize(b.type().dtype()));
        String address = reg(RegClass.B64);
        emit("add.s64 " + address + ", " + pointers.get(b) + ", " + offset);
        return address;
    }

    private String load(Expr.Load l) {
        String flat = reg(RegClass.B32);
        emit("mov.u32 " + flat + ", 0");
        String[] s = strides.get(l.buffer());
        for (int d = 0; d < l.index().size(); d++) {
            emit("mad.lo.s32 " + flat + ", " + emitExpr(l.index().get(d)) + ", " + asRegister(s[d]) + ", " + flat);
        }
        return loadElement(l.buffer(), flat);
    }

    /** Element {@code flat} of {@code b}, in a register of its dtype's class. */
    private String loadElement(Buffer b, String flat) {
        String address = address(b, flat);
        DType dtype = b.type().dtype();
        String value = newValue(dtype);
        switch (dtype) {
            case BOOL -> {
                String bits = reg(RegClass.B32);
                emit("ld.global.u8 " + bits + ", [" + address + "]");
                emit("setp.ne.u32 " + value + ", " + bits + ", 0");
            }
            case UINT8 -> emit("ld.global.u8 " + value + ", [" + address + "]");
            case FLOAT16 -> {
                String half = reg(RegClass.B16);
                emit("ld.global.b16 " + half + ", [" + address + "]");
                emit("cvt.f32.f16 " + value + ", " + half);
            }
            default -> emit("ld.global." + type(dtype) + " " + value + ", [" + address + "]");
        }
        return value;
    }

    private void store(Buffer out, String flat, String value) {
        String address = address(out, flat);
        DType dtype = out.type().dtype();
        switch (dtype) {
            case BOOL -> {
                String bits = reg(RegClass.B32);
                emit("selp.u32 " + bits + ", 1, 0, " + value);
                emit("st.global.u8 [" + address + "], " + bits);
            }
            case UINT8 -> emit("st.global.u8 [" + address + "], " + value);
            case FLOAT16 -> {
                String half = reg(RegClass.B16);
                emit("cvt.rn.f16.f32 " + half + ", " + value);
                emit("st.global.b16 [" + address + "], " + half);
            }
            default -> emit("st.global." + type(dtype) + " [" + address + "], " + value);
        }
    }

    // ---- expressions ----

    /**
     * Registers already holding the values of subexpressions of the expression being emitted: an
     * expression DAG shares subexpressions (softplus reads x twice, say), and emitting it as a tree
     * would repeat them, exponentially along a fused chain.
     */
    private Map<Expr, String> emitted = new HashMap<>();

    /** Emits a kernel's expression, from scratch: values of an earlier evaluation may be out of date. */
    private String evaluate(Expr root) {
        emitted = new HashMap<>();
        return emitExpr(root);
    }

    private String emitExpr(Expr e) {
        String known = emitted.get(e);
        if (known != null) {
            return known;
        }
        String r = emitNew(e);
        emitted.put(e, r);
        return r;
    }

    private String emitNew(Expr e) {
        if (e instanceof Expr.Const c) {
            String r = newValue(c.dtype());
            if (c.dtype() == DType.BOOL) {
                emit("setp.ne.u32 " + r + ", " + asRegister(Long.toString(c.bits())) + ", 0");
            } else {
                emit("mov." + moveType(c.dtype()) + " " + r + ", " + constant(c));
            }
            return r;
        } else if (e instanceof Expr.Coord c) {
            return coords.get(c.axis());
        } else if (e instanceof Expr.Size s) {
            return asRegister(size(s.dim()));
        } else if (e instanceof Expr.Load l) {
            return load(l);
        } else if (e instanceof Expr.Unary u) {
            return roundedIfHalf(unary(u), u.dtype());
        } else if (e instanceof Expr.Binary b) {
            return roundedIfHalf(binary(b), b.dtype());
        } else if (e instanceof Expr.Select s) {
            return select(s);
        } else if (e instanceof Expr.Cast c) {
            if (c.x() instanceof Expr.Binary b && b.op() == ScalarOp.POW && b.dtype() == DType.FLOAT64
                    && (c.dtype() == DType.FLOAT32 || c.dtype() == DType.FLOAT16)) {
                // A float32 or float16 pow, computed in float64: PtxMath.pow is far within their ulp.
                return convert(math.pow(emitExpr(b.a()), emitExpr(b.b())), DType.FLOAT64, c.dtype());
            }
            return convert(emitExpr(c.x()), c.x().dtype(), c.dtype());
        } else if (e instanceof Expr.Acc) {
            return accumulator;
        } else if (e instanceof Expr.Random r) {
            return random(r);
        } else if (e instanceof Expr.Check c) {
            failUnless(emitExpr(c.cond()), c.message());
            return emitExpr(c.value());
        }
        throw unsupported(e.getClass().getSimpleName());
    }

    /**
     * random_uniform's element: Philox4x32-10 on (counter, seed) as {@code Philox.block} computes
     * it, the same 53 (float64) or 24 bits made into a unit double, then min + (max - min) u rounded
     * once to the dtype, so every element equals the CPU's bit for bit. random_normal would need
     * StrictMath's log and cos to the bit, which the backend does not have.
     */
    private String random(Expr.Random r) {
        if (r.normal()) {
            throw unsupported("random_normal (its Box-Muller transform needs StrictMath's log and cos to the bit)");
        }
        String counter = emitExpr(r.counter());
        String[] c = new String[4];
        for (int i = 0; i < 4; i++) {
            c[i] = reg(RegClass.B32);
        }
        emit("cvt.u32.u64 " + c[0] + ", " + counter);
        String high = reg(RegClass.B64);
        emit("shr.u64 " + high + ", " + counter + ", 32");
        emit("cvt.u32.u64 " + c[1] + ", " + high);
        emit("mov.u32 " + c[2] + ", 0");
        emit("mov.u32 " + c[3] + ", 0");
        int k0 = (int) r.seed();
        int k1 = (int) (r.seed() >>> 32);
        String product = reg(RegClass.B32);
        for (int round = 0; round < 10; round++) {
            // (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0))
            String lo0 = reg(RegClass.B32);
            String lo2 = reg(RegClass.B32);
            emit("mul.lo.u32 " + lo0 + ", " + c[0] + ", " + Integer.toUnsignedString(Philox.M0));
            emit("mul.hi.u32 " + product + ", " + c[0] + ", " + Integer.toUnsignedString(Philox.M0));
            String n2 = reg(RegClass.B32);
            emit("xor.b32 " + n2 + ", " + product + ", " + c[3]);
            emit("xor.b32 " + n2 + ", " + n2 + ", " + Integer.toUnsignedString(k1));
            emit("mul.lo.u32 " + lo2 + ", " + c[2] + ", " + Integer.toUnsignedString(Philox.M1));
            emit("mul.hi.u32 " + product + ", " + c[2] + ", " + Integer.toUnsignedString(Philox.M1));
            String n0 = reg(RegClass.B32);
            emit("xor.b32 " + n0 + ", " + product + ", " + c[1]);
            emit("xor.b32 " + n0 + ", " + n0 + ", " + Integer.toUnsignedString(k0));
            c = new String[] {n0, lo2, n2, lo0};
            k0 += Philox.W0;
            k1 += Philox.W1;
        }
        String unit = reg(RegClass.F64);
        if (r.dtype() == DType.FLOAT64) {
            // ((w0 >>> 5) << 26 | w1 >>> 6) * 2^-53
            String hi = reg(RegClass.B64);
            String lo = reg(RegClass.B64);
            String word = reg(RegClass.B32);
            emit("shr.u32 " + word + ", " + c[0] + ", 5");
            emit("cvt.u64.u32 " + hi + ", " + word);
            emit("shl.b64 " + hi + ", " + hi + ", 26");
            emit("shr.u32 " + word + ", " + c[1] + ", 6");
            emit("cvt.u64.u32 " + lo + ", " + word);
            emit("or.b64 " + hi + ", " + hi + ", " + lo);
            emit("cvt.rn.f64.s64 " + unit + ", " + hi);
            emit("mul.rn.f64 " + unit + ", " + unit + ", " + PtxMath.d(0x1.0p-53));
        } else {
            String word = reg(RegClass.B32);
            emit("shr.u32 " + word + ", " + c[0] + ", 8");
            emit("cvt.rn.f64.u32 " + unit + ", " + word);
            emit("mul.rn.f64 " + unit + ", " + unit + ", " + PtxMath.d(0x1.0p-24));
        }
        String value = reg(RegClass.F64);
        emit("mul.rn.f64 " + value + ", " + unit + ", " + PtxMath.d(r.p2() - r.p1()));
        emit("add.rn.f64 " + value + ", " + value + ", " + PtxMath.d(r.p1()));
        return convert(value, DType.FLOAT64, r.dtype());
    }

    /** A float16 operation's result, computed in float32, rounded to float16. */
    private String roundedIfHalf(String value, DType dtype) {
        if (dtype == DType.FLOAT16) {
            roundToHalf(value, DType.FLOAT32);
        }
        return value;
    }

    private static String moveType(DType dtype) {
        return switch (dtype) {
            case UINT8, INT32 -> "u32";
            case INT64 -> "u64";
            default -> type(dtype);
        };
    }

    private static String constant(Expr.Const c) {
        return switch (c.dtype()) {
            case FLOAT16, FLOAT32 -> String.format("0f%08X", Float.floatToRawIntBits((float) c.value()));
            case FLOAT64 -> String.format("0d%016X", Double.doubleToRawLongBits(c.value()));
            case UINT8 -> Long.toString(c.bits() & 0xff);
            case INT32 -> Integer.toString((int) c.bits());
            default -> Long.toString(c.bits());
        };
    }

    private static String constant(DType dtype, long value) {
        return constant(Expr.Const.of(dtype, value));
    }

    /** Arithmetic with round-to-nearest on floats (which also forbids contraction into fma). */
    private static String arith(String op, DType dtype) {
        if (dtype.isFloating()) {
            return op + ".rn." + type(dtype);
        }
        return op.equals("mul") ? "mul.lo." + type(dtype) : op + "." + type(dtype);
    }

    private void wrapUint8(String r, DType dtype) {
        if (dtype == DType.UINT8) {
            emit("and.b32 " + r + ", " + r + ", 255");
        }
    }

    private String unary(Expr.Unary u) {
        DType t = u.x().dtype();
        String x = emitExpr(u.x());
        String r = newValue(u.dtype());
        boolean floating = t.isFloating();
        switch (u.op()) {
            case NEG -> {
                if (t == DType.UINT8) {
                    emit("sub.u32 " + r + ", 0, " + x);
                    wrapUint8(r, t);
                } else {
                    emit("neg." + type(t) + " " + r + ", " + x);
                }
            }
            case ABS -> {
                if (floating) {
                    emit("abs." + type(t) + " " + r + ", " + x);
                } else if (t == DType.UINT8) {
                    emit("mov.u32 " + r + ", " + x);
                } else {
                    // max(x, -x): the most negative value stays itself, as Math.abs leaves it.
                    String negated = newValue(t);
                    emit("neg." + type(t) + " " + negated + ", " + x);
                    emit("max." + type(t) + " " + r + ", " + x + ", " + negated);
                }
            }
            case SIGN -> sign(t, x, r);
            case SQRT -> requireFloat(u, () -> emit("sqrt.rn." + type(t) + " " + r + ", " + x));
            case FLOOR -> requireFloat(u, () -> emit("cvt.rmi." + type(t) + "." + type(t) + " " + r + ", " + x));
            case CEIL -> requireFloat(u, () -> emit("cvt.rpi." + type(t) + "." + type(t) + " " + r + ", " + x));
            case RINT -> requireFloat(u, () -> emit("cvt.rni." + type(t) + "." + type(t) + " " + r + ", " + x));
            case IS_NAN -> {
                if (floating) {
                    emit("setp.nan." + type(t) + " " + r + ", " + x + ", " + x);
                } else {
                    emit("setp.ne.u32 " + r + ", " + asRegister("0") + ", 0");
                }
            }
            case IS_FINITE -> {
                if (floating) {
                    String magnitude = newValue(t);
                    emit("abs." + type(t) + " " + magnitude + ", " + x);
                    emit("setp.lt." + type(t) + " " + r + ", " + magnitude + ", "
                            + constant(Expr.Const.of(t, Double.POSITIVE_INFINITY)));
                } else {
                    emit("setp.eq.u32 " + r + ", " + asRegister("0") + ", 0");
                }
            }
            case NOT -> {
                if (t == DType.BOOL) {
                    emit("not.pred " + r + ", " + x);
                } else {
                    emit("not.b" + (t == DType.INT64 ? 64 : 32) + " " + r + ", " + x);
                    wrapUint8(r, t);
                }
            }
            case EXP, EXPM1, LOG, LOG1P, TANH, ERF, SIN, COS -> requireFloat(u, () -> {
                String wide = convert(x, t, DType.FLOAT64);
                String y = switch (u.op()) {
                    case EXP -> math.exp(wide);
                    case EXPM1 -> math.expm1(wide);
                    case LOG -> math.log(wide);
                    case LOG1P -> math.log1p(wide);
                    case ERF -> math.erf(wide);
                    case SIN -> math.sin(wide);
                    case COS -> math.cos(wide);
                    default -> math.tanh(wide);
                };
                move(r, convert(y, DType.FLOAT64, t), t);
            });
            default -> throw unsupported(u.op().toString().toLowerCase() + " (it needs a math library routine)");
        }
        return r;
    }

    private void requireFloat(Expr.Unary u, Runnable emit) {
        if (!u.x().dtype().isFloating()) {
            throw unsupported(u.op().toString().toLowerCase() + " on " + u.x().dtype());
        }
        emit.run();
    }

    /** sign: -1, 0 or 1; floats keep zeros (with their sign) and NaN as they are. */
    private void sign(DType t, String x, String r) {
        if (t.isFloating()) {
            String one = newValue(t);
            emit("mov." + type(t) + " " + one + ", " + constant(Expr.Const.of(t, 1)));
            String signed = newValue(t);
            emit("copysign." + type(t) + " " + signed + ", " + x + ", " + one);
            String keep = reg(RegClass.PRED);
            emit("setp.equ." + type(t) + " " + keep + ", " + x + ", " + constant(Expr.Const.of(t, 0)));
            emit("selp." + type(t) + " " + r + ", " + x + ", " + signed + ", " + keep);
            return;
        }
        String positive = reg(RegClass.PRED);
        String negative = reg(RegClass.PRED);
        String zero = constant(Expr.Const.of(t, 0));
        emit("setp.gt." + type(t) + " " + positive + ", " + x + ", " + zero);
        emit("setp.lt." + type(t) + " " + negative + ", " + x + ", " + zero);
        emit("selp." + type(t) + " " + r + ", 1, " + zero + ", " + positive);
        emit("@" + negative + " mov." + moveType(t) + " " + r + ", " + (t == DType.UINT8 ? "255" : "-1"));
    }

    private String binary(Expr.Binary b) {
        DType t = b.a().dtype();
        String x = emitExpr(b.a());
        String y = emitExpr(b.b());
        String r = newValue(b.dtype());
        boolean floating = t.isFloating();
        switch (b.op()) {
            case ADD, SUB, MUL -> {
                if (t == DType.BOOL) {
                    throw unsupported(b.op().toString().toLowerCase() + " on bool");
                }
                emit(arith(b.op().toString().toLowerCase(), t) + " " + r + ", " + x + ", " + y);
                wrapUint8(r, t);
            }
            case DIV -> {
                if (floating) {
                    emit("div.rn." + type(t) + " " + r + ", " + x + ", " + y);
                } else {
                    integerDivision(b.op(), t, x, y, r);
                }
            }
            case FLOOR_DIV -> {
                if (floating) {
                    // In float64 and floored there, then rounded once, as the reference computes it.
                    String wide = convert(x, t, DType.FLOAT64);
                    String quotient = newValue(DType.FLOAT64);
                    emit("div.rn.f64 " + quotient + ", " + wide + ", " + convert(y, t, DType.FLOAT64));
                    emit("cvt.rmi.f64.f64 " + quotient + ", " + quotient);
                    move(r, convert(quotient, DType.FLOAT64, t), t);
                } else {
                    integerDivision(b.op(), t, x, y, r);
                }
            }
            case FLOOR_MOD -> {
                if (floating) {
                    throw unsupported("floor_mod on " + t);
                }
                integerDivision(b.op(), t, x, y, r);
            }
            case MAX, MIN -> minMax(b.op(), t, x, y, r);
            case EQ, NE, LT, LE, GT, GE -> compare(b.op(), t, x, y, r);
            case AND, OR, XOR -> {
                String op = b.op().toString().toLowerCase();
                emit(op + "." + (t == DType.BOOL ? "pred" : t == DType.INT64 ? "b64" : "b32") + " " + r + ", " + x + ", " + y);
            }
            case POW -> {
                if (floating) {
                    // float32 and float16 pow reach the backend as a float64 pow rounded at once (see Cast).
                    throw unsupported("pow on float64 (it needs a logarithm to twice double precision)");
                }
                integerPower(t, x, y, r);
            }
            default -> throw unsupported(b.op().toString().toLowerCase()
                    + (floating ? " (it needs a math library routine)" : " on integers"));
        }
        return r;
    }

    /**
     * Integer div (truncating), floor_div and floor_mod as Java computes them, failing on a zero
     * divisor with the CPU backend's message; a divisor of -1 is handled apart, since the hardware
     * result of MIN / -1 is unspecified while Java wraps it.
     */
    private void integerDivision(ScalarOp op, DType t, String x, String y, String r) {
        String name = op == ScalarOp.DIV ? "div" : op == ScalarOp.FLOOR_DIV ? "floor_div" : "mod";
        String nonZero = reg(RegClass.PRED);
        emit("setp.ne." + type(t) + " " + nonZero + ", " + y + ", 0");
        failUnless(nonZero, name + ": integer division by zero");
        String quotient = newValue(t);
        String remainder = newValue(t);
        emit("div." + type(t) + " " + quotient + ", " + x + ", " + y);
        emit("rem." + type(t) + " " + remainder + ", " + x + ", " + y);
        if (t != DType.UINT8) {
            String minusOne = reg(RegClass.PRED);
            emit("setp.eq." + type(t) + " " + minusOne + ", " + y + ", -1");
            String negated = newValue(t);
            emit("neg." + type(t) + " " + negated + ", " + x);
            emit("selp." + type(t) + " " + quotient + ", " + negated + ", " + quotient + ", " + minusOne);
            emit("selp." + type(t) + " " + remainder + ", 0, " + remainder + ", " + minusOne);
            // Floor: when the remainder is nonzero and its sign differs from the divisor's.
            String signs = newValue(t);
            emit("xor.b" + (t == DType.INT64 ? 64 : 32) + " " + signs + ", " + remainder + ", " + y);
            String differ = reg(RegClass.PRED);
            emit("setp.lt." + type(t) + " " + differ + ", " + signs + ", 0");
            String inexact = reg(RegClass.PRED);
            emit("setp.ne." + type(t) + " " + inexact + ", " + remainder + ", 0");
            emit("and.pred " + differ + ", " + differ + ", " + inexact);
            if (op == ScalarOp.FLOOR_DIV) {
                emit("@" + differ + " sub." + type(t) + " " + quotient + ", " + quotient + ", 1");
            } else if (op == ScalarOp.FLOOR_MOD) {
                emit("@" + differ + " add." + type(t) + " " + remainder + ", " + remainder + ", " + y);
            }
        }
        move(r, op == ScalarOp.FLOOR_MOD ? remainder : quotient, t);
    }

    /**
     * base^exponent by squaring, wrapping in the dtype as the CPU backend's does; a negative exponent
     * is an error.
     */
    private void integerPower(DType t, String base, String exponent, String r) {
        String bits = t == DType.INT64 ? "b64" : "b32";
        if (t != DType.UINT8) {
            String nonNegative = reg(RegClass.PRED);
            emit("setp.ge." + type(t) + " " + nonNegative + ", " + exponent + ", 0");
            failUnless(nonNegative, "pow: integers to negative integer powers are not allowed");
        }
        String b = newValue(t);
        String e = newValue(t);
        move(b, base, t);
        move(e, exponent, t);
        emit("mov." + moveType(t) + " " + r + ", 1");
        String top = label();
        String end = label();
        String done = reg(RegClass.PRED);
        mark(top);
        emit("setp.eq." + type(t) + " " + done + ", " + e + ", 0");
        emit("@" + done + " bra " + end);
        String low = newValue(t);
        emit("and." + bits + " " + low + ", " + e + ", 1");
        String odd = reg(RegClass.PRED);
        emit("setp.ne." + type(t) + " " + odd + ", " + low + ", 0");
        emit("@" + odd + " " + arith("mul", t) + " " + r + ", " + r + ", " + b);
        emit(arith("mul", t) + " " + b + ", " + b + ", " + b);
        emit("shr." + (t == DType.INT64 ? "u64" : "u32") + " " + e + ", " + e + ", 1");
        emit("bra " + top);
        mark(end);
        wrapUint8(r, t);
    }

    /** Java's max and min: NaN if either operand is NaN, and +0.0 above -0.0. */
    private void minMax(ScalarOp op, DType t, String x, String y, String r) {
        String name = op == ScalarOp.MAX ? "max" : "min";
        if (!t.isFloating()) {
            if (t == DType.BOOL) {
                emit((op == ScalarOp.MAX ? "or" : "and") + ".pred " + r + ", " + x + ", " + y);
            } else {
                emit(name + "." + type(t) + " " + r + ", " + x + ", " + y);
            }
            return;
        }
        // Between equal values (only +0.0 and -0.0 differ), max takes the bits' and, min their or.
        String bits = t == DType.FLOAT32 ? "b32" : "b64";
        RegClass intClass = t == DType.FLOAT32 ? RegClass.B32 : RegClass.B64;
        String m = newValue(t);
        emit(name + "." + type(t) + " " + m + ", " + x + ", " + y);
        String xb = reg(intClass);
        String yb = reg(intClass);
        String zb = reg(intClass);
        emit("mov." + bits + " " + xb + ", " + x);
        emit("mov." + bits + " " + yb + ", " + y);
        emit((op == ScalarOp.MAX ? "and." : "or.") + bits + " " + zb + ", " + xb + ", " + yb);
        String zeros = newValue(t);
        emit("mov." + bits + " " + zeros + ", " + zb);
        String equal = reg(RegClass.PRED);
        emit("setp.eq." + type(t) + " " + equal + ", " + x + ", " + y);
        String chosen = newValue(t);
        emit("selp." + type(t) + " " + chosen + ", " + zeros + ", " + m + ", " + equal);
        String nan = reg(RegClass.PRED);
        emit("setp.nan." + type(t) + " " + nan + ", " + x + ", " + y);
        String sum = newValue(t);
        emit("add.rn." + type(t) + " " + sum + ", " + x + ", " + y);
        emit("selp." + type(t) + " " + r + ", " + sum + ", " + chosen + ", " + nan);
    }

    private void compare(ScalarOp op, DType t, String x, String y, String r) {
        if (t == DType.BOOL) {
            switch (op) {
                case EQ -> emit("xor.pred " + r + ", " + x + ", " + y + "; not.pred " + r + ", " + r);
                case NE -> emit("xor.pred " + r + ", " + x + ", " + y);
                default -> throw unsupported(op.toString().toLowerCase() + " on bool");
            }
            return;
        }
        // Ordered comparisons are false with a NaN operand; "not equal" is the unordered one, true with NaN.
        String cmp = switch (op) {
            case EQ -> "eq";
            case NE -> t.isFloating() ? "neu" : "ne";
            case LT -> "lt";
            case LE -> "le";
            case GT -> "gt";
            default -> "ge";
        };
        emit("setp." + cmp + "." + type(t) + " " + r + ", " + x + ", " + y);
    }

    private String select(Expr.Select s) {
        String cond = emitExpr(s.cond());
        String r = newValue(s.dtype());
        String otherwise = label();
        String end = label();
        emit("@!" + cond + " bra " + otherwise);
        // Each side runs only on its branch, so what it emits is known only there.
        Map<Expr, String> before = new HashMap<>(emitted);
        move(r, emitExpr(s.a()), s.dtype());
        emitted = new HashMap<>(before);
        emit("bra " + end);
        mark(otherwise);
        move(r, emitExpr(s.b()), s.dtype());
        emitted = before;
        mark(end);
        return r;
    }

    private void move(String to, String from, DType dtype) {
        emit("mov." + moveType(dtype) + " " + to + ", " + from);
    }

    /** A value converted as the cast op converts: floats to integers truncate and saturate, NaN to 0. */
    private String convert(String x, DType from, DType to) {
        if (from == to) {
            return x;
        }
        if (from == DType.FLOAT16) {
            // Exact in float32, where it is held.
            return convert(x, DType.FLOAT32, to);
        }
        if (to == DType.FLOAT16) {
            // Rounded once, from the source's own type, as the reference rounds a double to float16.
            String source = from.isFloating() ? x : convert(x, from, DType.FLOAT64);
            String r = newValue(to);
            String half = reg(RegClass.B16);
            emit("cvt.rn.f16." + type(from.isFloating() ? from : DType.FLOAT64) + " " + half + ", " + source);
            emit("cvt.f32.f16 " + r + ", " + half);
            return r;
        }
        String r = newValue(to);
        if (to == DType.BOOL) {
            String cmp = from.isFloating() ? "neu" : "ne";
            emit("setp." + cmp + "." + type(from) + " " + r + ", " + x + ", " + constant(Expr.Const.of(from, 0)));
            return r;
        }
        if (from == DType.BOOL) {
            emit("selp." + type(to) + " " + r + ", " + constant(Expr.Const.of(to, 1)) + ", "
                    + constant(Expr.Const.of(to, 0)) + ", " + x);
            return r;
        }
        if (to == DType.UINT8) {
            if (from.isFloating()) {
                // As cast defines it: NaN gives 0, otherwise clamp to [0, 255] and truncate.
                String wide = convert(x, from, DType.FLOAT64);
                String clamped = newValue(DType.FLOAT64);
                emit("min.f64 " + clamped + ", " + wide + ", 0d406FE00000000000");
                emit("max.f64 " + clamped + ", " + clamped + ", 0d0000000000000000");
                emit("cvt.rzi.u32.f64 " + r + ", " + clamped);
                String nan = reg(RegClass.PRED);
                emit("setp.nan.f64 " + nan + ", " + wide + ", " + wide);
                emit("@" + nan + " mov.u32 " + r + ", 0");
                return r;
            }
            emit((from == DType.INT64 ? "cvt.u32.u64 " : "mov.u32 ") + r + ", " + x);
            wrapUint8(r, to);
            return r;
        }
        String source = from == DType.UINT8 ? "u32" : type(from);
        String rounding = "";
        if (to.isFloating() && !from.isFloating() || to == DType.FLOAT32 && from == DType.FLOAT64) {
            rounding = ".rn";
        } else if (!to.isFloating() && from.isFloating()) {
            rounding = ".rzi";
        }
        emit("cvt" + rounding + "." + type(to) + "." + source + " " + r + ", " + x);
        if (from.isFloating() && !to.isFloating()) {
            // The hardware turns NaN into the most negative integer (measured on an H100); cast gives 0.
            String nan = reg(RegClass.PRED);
            emit("setp.nan." + type(from) + " " + nan + ", " + x + ", " + x);
            emit("@" + nan + " mov." + moveType(to) + " " + r + ", 0");
        }
        return r;
    }
}
