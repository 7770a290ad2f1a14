package io.jitflow.cuda;

import io.jitflow.cuda.PtxAsm.PtxType;
import io.jitflow.cuda.PtxAsm.RegClass;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What every kernel of a program reaches through: its parameters (its buffers' addresses and the
 * symbolic sizes, both passed by value; point count and status word), its buffers' pointers and strides, loads and stores, the grid-stride
 * loop and coordinates of a point, the evaluation of its expressions, and run-time checks.
 * {@link PtxKernelWriter} builds the kernels' shapes on top.
 */
final class PtxKernelAccess implements PtxScalarWriter.KernelChecks {
    final PtxAsm asm = new PtxAsm();
    final PtxScalarWriter scalar = new PtxScalarWriter(asm, this);
    final KernelProgram program;
    final int index;
    final Kernel kernel;
    final Map<Buffer, String> pointers = new HashMap<>();
    final Map<Buffer, String[]> strides = new HashMap<>();
    final Map<String, String> symbolSizes = new HashMap<>();
    /** The registers holding the current point's coordinates, by axis. */
    final Map<Integer, String> coords = new HashMap<>();
    /** The ids of the buffers this kernel refers to, in the order of its {@code buffers} parameter. */
    final List<Integer> slots;
    String count;
    String status;
    final List<String> errors;

    /** {@code errors}: the module's run-time error messages so far; this kernel's are added. */
    PtxKernelAccess(KernelProgram program, int index, List<String> errors) {
        this.program = program;
        this.index = index;
        this.kernel = program.kernels().get(index);
        this.errors = errors;
        this.slots = LaunchPlan.bufferSlots(kernel);
    }

    /** The graph nodes the kernel computes, as {@code %a, %b}. */
    String fusedNodes() {
        return String.join(", ", kernel.fused().stream().map(n -> "%" + n).toList());
    }

    @Override
    public UnsupportedKernelException unsupported(String what) {
        return new UnsupportedKernelException("kernel " + index + " (" + fusedNodes() + ") of @"
                + program.name() + ": the CUDA backend does not support " + what + " yet");
    }

    // The scope of the expression being evaluated, set only by the methods that evaluate one:
    /** The register an epilogue's {@code acc} reads (null outside an epilogue). */
    private String accumulator;
    /** For a vectorized map: each identity-loaded buffer's registers, one per lane, and the lane. */
    private Map<Buffer, String[]> vectorLoads = Map.of();
    private int lane;
    /** Where a failed check continues in a kernel with barriers (null: the thread returns). */
    private String onFailure;

    final StringBuilder sharedDeclarations = new StringBuilder();

    /** Declares a block-shared array of {@code bytes} and returns a register holding its shared address. */
    String sharedArray(String name, int bytes) {
        sharedDeclarations.append("    .shared .align 8 .b8 ").append(name).append('[').append(bytes).append("];\n");
        String address = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, address, name);
        return address;
    }

    /** Loads the point count and the status word's address (buffer addresses and sizes are loaded where first used). */
    void prologue() {
        count = asm.reg(RegClass.B32);
        asm.op("ld.param", PtxType.U32, count, "[count]");
        status = asm.reg(RegClass.B64);
        asm.op("ld.param", PtxType.U64, status, "[status]");
        asm.op("cvta.to.global", PtxType.U64, status, status);
    }

    /** Unless {@code ok} holds, reports {@code message} through the status word and stops the thread. */
    @Override
    public void failUnless(String ok, String message) {
        int code = errors.indexOf(message) + 1;
        if (code == 0) {
            errors.add(message);
            code = errors.size();
        }
        String fine = asm.label();
        asm.braIf(ok, fine);
        String r = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, r, code);
        asm.op("st.global", PtxType.U32, "[" + status + "]", r);
        // In a kernel with barriers every thread must reach each of them: skip the work, not the rest.
        if (onFailure == null) {
            asm.ret();
        } else {
            asm.bra(onFailure);
        }
        asm.mark(fine);
    }

    /**
     * The grid-stride loop over the output points: each thread takes point blockIdx * blockDim +
     * threadIdx, then every gridDim * blockDim-th; {@code body} runs with the point's coordinates
     * along {@code axes} (last axis fastest) in {@link #coords}.
     */
    void gridLoop(Shape space, List<Integer> axes, Runnable body) {
        stridedLoop(count, point -> {
            decompose(point, space, axes);
            body.run();
        });
        asm.ret();
    }

    /**
     * The grid-stride loop over [0, {@code limit}): each thread starts at blockIdx * blockDim +
     * threadIdx and steps by gridDim * blockDim; {@code body} gets the register holding the position.
     */
    void stridedLoop(String limit, java.util.function.Consumer<String> body) {
        String position = asm.reg(RegClass.B32);
        String step = asm.reg(RegClass.B32);
        String threads = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, threads, "%ntid.x");
        asm.op("mov", PtxType.U32, position, "%ctaid.x");
        asm.op("mov", PtxType.U32, step, "%tid.x");
        asm.op("mad.lo", PtxType.S32, position, position, threads, step);
        asm.op("mov", PtxType.U32, step, "%nctaid.x");
        asm.op("mul.lo", PtxType.S32, step, step, threads);
        asm.countedLoop(position, limit, step, next -> body.accept(position));
    }

    /** The loop over [0, {@code limit}) that whole blocks stride: block b takes b, b + gridDim, ... */
    void blockStridedLoop(String limit, java.util.function.Consumer<String> body) {
        String position = asm.reg(RegClass.B32);
        String step = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, position, "%ctaid.x");
        asm.op("mov", PtxType.U32, step, "%nctaid.x");
        asm.countedLoop(position, limit, step, next -> body.accept(position));
    }

    /** The axes of a loop's space that are not reduced (all of them for a map). */
    static List<Integer> keptAxes(Kernel.Loop l) {
        List<Integer> kept = new ArrayList<>();
        for (int d = 0; d < l.space().rank(); d++) {
            if (!l.reducedAxes().contains(d)) {
                kept.add(d);
            }
        }
        return kept;
    }

    /** 0, 1, ..., rank - 1. */
    static List<Integer> allAxes(int rank) {
        return java.util.stream.IntStream.range(0, rank).boxed().toList();
    }

    /** Sets {@link #coords} along {@code axes} (last fastest) from a row-major position. */
    void decompose(String position, Shape space, List<Integer> axes) {
        String rest = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, rest, position);
        for (int i = axes.size() - 1; i >= 0; i--) {
            int axis = axes.get(i);
            String size = size(space.dim(axis));
            String coord = asm.reg(RegClass.B32);
            asm.op("rem", PtxType.U32, coord, rest, size);
            asm.op("div", PtxType.U32, rest, rest, size);
            coords.put(axis, coord);
        }
    }

    /** The row-major position of the given axes' coordinates in {@code space}. */
    String flatIndex(Shape space, List<Integer> axes) {
        String flat = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, flat, 0);
        for (int axis : axes) {
            asm.op("mad.lo", PtxType.S32, flat, flat, size(space.dim(axis)), coords.get(axis));
        }
        return flat;
    }

    /** A register (or immediate) holding a dim's size. */
    String size(Dim dim) {
        if (dim.isStatic()) {
            return Integer.toString(dim.size());
        }
        return symbolSizes.computeIfAbsent(dim.toString(), name -> {
            String r = asm.reg(RegClass.B32);
            asm.op("ld.param", PtxType.U32, r, "[sizes+" + 4 * program.symbols().indexOf(name) + "]");
            return r;
        });
    }

    void prepareBuffers(Expr e) {
        Expr.walk(e, x -> {
            if (x instanceof Expr.Load l) {
                prepare(l.buffer());
            }
        });
    }

    /** Loads the buffer's device pointer from its parameter slot and computes its row-major strides, once. */
    void prepare(Buffer b) {
        if (pointers.containsKey(b)) {
            return;
        }
        String pointer = asm.reg(RegClass.B64);
        int slot = slots.indexOf(b.id());
        if (slot < 0) {
            throw new IllegalStateException("kernel " + index + " of @" + program.name() + " reads buffer " + b.id()
                    + ", which is not among its parameters " + slots);
        }
        asm.op("ld.param", PtxType.U64, pointer, "[buffers+" + 8 * slot + "]");
        pointers.put(b, pointer);
        Shape shape = b.type().shape();
        String[] s = new String[shape.rank()];
        String previous = null;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            if (previous == null) {
                s[d] = "1";
            } else {
                s[d] = asm.reg(RegClass.B32);
                asm.op("mul.lo", PtxType.S32, s[d], scalar.asRegister(previous), size(shape.dim(d + 1)));
            }
            previous = s[d];
        }
        strides.put(b, s);
    }

    static int elementSize(DType dtype) {
        return switch (dtype) {
            case BOOL, UINT8 -> 1;
            case INT32, FLOAT32 -> 4;
            case INT64, FLOAT64 -> 8;
            case FLOAT16 -> 2;
        };
    }

    /** The address of element {@code flat} (an int32 register) of {@code b}. */
    String address(Buffer b, String flat) {
        String offset = asm.reg(RegClass.B64);
        asm.op("mul.wide", PtxType.S32, offset, scalar.asRegister(flat), elementSize(b.type().dtype()));
        String address = asm.reg(RegClass.B64);
        asm.op("add", PtxType.S64, address, pointers.get(b), offset);
        return address;
    }

    String load(Expr.Load l) {
        String[] lanes = vectorLoads.get(l.buffer());
        if (lanes != null) {
            return lanes[lane];
        }
        String flat = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, flat, 0);
        String[] s = strides.get(l.buffer());
        for (int d = 0; d < l.index().size(); d++) {
            asm.op("mad.lo", PtxType.S32, flat, emitExpr(l.index().get(d)), scalar.asRegister(s[d]), flat);
        }
        return loadElement(l.buffer(), flat);
    }

    /** Element {@code flat} of {@code b}, in a register of its dtype's class. */
    String loadElement(Buffer b, String flat) {
        String address = address(b, flat);
        DType dtype = b.type().dtype();
        String value = scalar.newValue(dtype);
        switch (dtype) {
            case BOOL -> {
                String bits = asm.reg(RegClass.B32);
                asm.op("ld.global", PtxType.U8, bits, "[" + address + "]");
                asm.op("setp.ne", PtxType.U32, value, bits, 0);
            }
            case UINT8 -> asm.op("ld.global", PtxType.U8, value, "[" + address + "]");
            case FLOAT16 -> {
                String half = asm.reg(RegClass.B16);
                asm.op("ld.global", PtxType.B16, half, "[" + address + "]");
                asm.cvt("", PtxType.F32, PtxType.F16, value, half);
            }
            default -> asm.op("ld.global", PtxScalarWriter.type(dtype), value, "[" + address + "]");
        }
        return value;
    }

    void store(Buffer out, String flat, String value) {
        String address = address(out, flat);
        DType dtype = out.type().dtype();
        switch (dtype) {
            case BOOL -> {
                String bits = asm.reg(RegClass.B32);
                asm.op("selp", PtxType.U32, bits, 1, 0, value);
                asm.op("st.global", PtxType.U8, "[" + address + "]", bits);
            }
            case UINT8 -> asm.op("st.global", PtxType.U8, "[" + address + "]", value);
            case FLOAT16 -> {
                String half = asm.reg(RegClass.B16);
                asm.cvt(".rn", PtxType.F16, PtxType.F32, half, value);
                asm.op("st.global", PtxType.B16, "[" + address + "]", half);
            }
            default -> asm.op("st.global", PtxScalarWriter.type(dtype), "[" + address + "]", value);
        }
    }

    /**
     * Registers already holding the values of subexpressions of the expression being emitted: an
     * expression DAG shares subexpressions (softplus reads x twice, say), and emitting it as a tree
     * would repeat them, exponentially along a fused chain.
     */
    Map<Expr, String> emitted = new HashMap<>();

    /** Emits a kernel's expression, from scratch: values of an earlier evaluation may be out of date. */
    String evaluate(Expr root) {
        emitted = new HashMap<>();
        return emitExpr(root);
    }

    /** An epilogue's value, its {@code acc} read from {@code accumulator}. */
    String evaluate(Expr epilogue, String accumulator) {
        this.accumulator = accumulator;
        try {
            return evaluate(epilogue);
        } finally {
            this.accumulator = null;
        }
    }

    /** A vectorized map's value at each lane, its identity loads taken from {@code loads}. */
    String[] evaluateLanes(Expr body, Map<Buffer, String[]> loads, int lanes) {
        String[] values = new String[lanes];
        vectorLoads = loads;
        try {
            for (lane = 0; lane < lanes; lane++) {
                values[lane] = evaluate(body);
            }
        } finally {
            vectorLoads = Map.of();
        }
        return values;
    }

    /** Runs {@code body} with failed checks branching to {@code label} (a kernel with barriers). */
    void onFailureBranchTo(String label, Runnable body) {
        onFailure = label;
        try {
            body.run();
        } finally {
            onFailure = null;
        }
    }

    String emitExpr(Expr e) {
        String known = emitted.get(e);
        if (known != null) {
            return known;
        }
        String r = emitNew(e);
        emitted.put(e, r);
        return r;
    }

    String emitNew(Expr e) {
        if (e instanceof Expr.Const c) {
            String r = scalar.newValue(c.dtype());
            if (c.dtype() == DType.BOOL) {
                asm.op("setp.ne", PtxType.U32, r, scalar.asRegister(Long.toString(c.bits())), 0);
            } else {
                asm.op("mov", PtxScalarWriter.moveType(c.dtype()), r, PtxScalarWriter.constant(c));
            }
            return r;
        } else if (e instanceof Expr.Coord c) {
            return coords.get(c.axis());
        } else if (e instanceof Expr.Size s) {
            return scalar.asRegister(size(s.dim()));
        } else if (e instanceof Expr.Load l) {
            return load(l);
        } else if (e instanceof Expr.Unary u) {
            return scalar.roundedIfHalf(scalar.unary(u.op(), u.x().dtype(), emitExpr(u.x()), u.dtype()), u.dtype());
        } else if (e instanceof Expr.Binary b) {
            return scalar.roundedIfHalf(scalar.binary(b.op(), b.a().dtype(), emitExpr(b.a()), emitExpr(b.b()), b.dtype()), b.dtype());
        } else if (e instanceof Expr.Select s) {
            return select(s);
        } else if (e instanceof Expr.Cast c) {
            if (c.x() instanceof Expr.Binary b && b.op() == ScalarOp.POW && b.dtype() == DType.FLOAT64
                    && (c.dtype() == DType.FLOAT32 || c.dtype() == DType.FLOAT16)) {
                // A float32 or float16 pow, computed in float64: PtxMath.pow is far within their ulp.
                return scalar.convert(scalar.math.pow(emitExpr(b.a()), emitExpr(b.b())), DType.FLOAT64, c.dtype());
            }
            return scalar.convert(emitExpr(c.x()), c.x().dtype(), c.dtype());
        } else if (e instanceof Expr.Acc) {
            if (accumulator == null) {
                throw new IllegalStateException("acc outside an epilogue in kernel " + index);
            }
            return accumulator;
        } else if (e instanceof Expr.Random r) {
            return scalar.random(r, emitExpr(r.counter()));
        } else if (e instanceof Expr.Check c) {
            failUnless(emitExpr(c.cond()), c.message());
            return emitExpr(c.value());
        }
        throw unsupported(e.getClass().getSimpleName());
    }

    String select(Expr.Select s) {
        String cond = emitExpr(s.cond());
        String r = scalar.newValue(s.dtype());
        String otherwise = asm.label();
        String end = asm.label();
        asm.braUnless(cond, otherwise);
        // Each side runs only on its branch, so what it emits is known only there.
        Map<Expr, String> before = new HashMap<>(emitted);
        scalar.move(r, emitExpr(s.a()), s.dtype());
        emitted = new HashMap<>(before);
        asm.bra(end);
        asm.mark(otherwise);
        scalar.move(r, emitExpr(s.b()), s.dtype());
        emitted = before;
        asm.mark(end);
        return r;
    }
}
