package io.jitflow.cuda;

import io.jitflow.cuda.PtxAsm.PtxType;
import io.jitflow.cuda.PtxAsm.RegClass;
import io.jitflow.ir.DType;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one kernel of a program as a PTX entry: loops over output points (a grid-stride loop, one
 * thread per point), reductions (each thread folding a point's reduced axes in order; over large or
 * symbolic extents a whole block per point, see {@link LaunchPlan#reducesPerBlock}), tiled
 * matmuls with their epilogues, loads at computed positions, stores, and the kernel's run-time
 * checks through the status word. The scalar operations come from {@link PtxScalarWriter}; anything
 * the backend cannot compile yet is refused with an {@link UnsupportedKernelException} naming it.
 * Access to buffers, coordinates and expressions comes from {@link PtxKernelAccess}.
 */
final class PtxKernelWriter {
    private final PtxKernelAccess access;
    private final PtxAsm asm;
    private final PtxScalarWriter scalar;
    /** The parameter space every CUDA target has (newer drivers and GPUs allow more). */
    private static final int MAX_PARAMETER_BYTES = 4096;
    /** The register a reduction folds into. */
    private String accumulator;
    /** Whether products are summed as the reference sums them (see {@link Product#sums}). */
    private final boolean exact;

    /** {@code errors}: the module's run-time error messages so far; this kernel's are added. */
    PtxKernelWriter(KernelProgram program, int index, List<String> errors, boolean exact) {
        this.exact = exact;
        this.access = new PtxKernelAccess(program, index, errors);
        this.asm = access.asm;
        this.scalar = access.scalar;
    }

    String write() {
        String name = LaunchPlan.entryName(access.program, access.index);
        if (access.kernel instanceof Kernel.Matmul m) {
            matmulKernel(m);
        } else if (access.kernel instanceof Kernel.Conv c) {
            convKernel(c);
        } else if (access.kernel instanceof Kernel.ScatterAdd scatter) {
            scatterAddKernel(scatter);
        } else if (access.kernel instanceof Kernel.Map map) {
            mapKernel(map);
        } else if (access.kernel instanceof Kernel.Reduce reduce) {
            if (reduce.isArg() && (reduce.reducedAxes().size() != 1
                    || !reduce.space().dim(reduce.reducedAxes().get(0)).isStatic()
                    || reduce.space().dim(reduce.reducedAxes().get(0)).size() == 0)) {
                // An empty axis is an error on the CPU; a kernel cannot raise one, so only known non-empty axes.
                throw access.unsupported(reduce.reducer().toString().toLowerCase() + " over an axis that may be empty");
            }
            if (LaunchPlan.reducesPerBlock(reduce)) {
                blockReductionKernel(reduce);
            } else {
                threadReductionKernel(reduce);
            }
        }
        int parameterBytes = 8 * access.slots.size() + 4 * Math.max(1, access.program.symbols().size()) + 16;
        if (parameterBytes > MAX_PARAMETER_BYTES) {
            throw access.unsupported("kernels with more than " + MAX_PARAMETER_BYTES + " bytes of parameters ("
                    + access.slots.size() + " buffers, " + access.program.symbols().size() + " symbolic sizes)");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("// kernel ").append(access.index).append(": ").append(access.fusedNodes()).append('\n');
        sb.append(".visible .entry ").append(name).append("(\n    .param .align 8 .b8 buffers[")
                .append(8 * access.slots.size()).append("],\n    .param .align 4 .b8 sizes[")
                .append(4 * Math.max(1, access.program.symbols().size())).append("],\n")
                .append("    .param .u32 count,\n    .param .u64 status)\n");
        if (access.kernel instanceof Kernel.Matmul || access.kernel instanceof Kernel.Conv
                || LaunchPlan.reducesPerBlock(access.kernel)) {
            sb.append("    .reqntid ").append(BLOCK).append(", 1, 1\n");
        }
        sb.append("{\n");
        sb.append(asm.registerDeclarations());
        sb.append(access.sharedDeclarations);
        sb.append(asm.instructions()).append("}\n");
        return sb.toString();
    }

    // ---- the loop ----

    /** A map: each thread computes its points' results in a grid-stride loop (four at a time where it can). */
    private void mapKernel(Kernel.Map m) {
        Shape space = m.space();
        List<Integer> all = PtxKernelAccess.keptAxes(m);
        access.prologue();
        for (Kernel.Result r : m.results()) {
            access.prepareBuffers(r.body());
            access.prepare(r.output());
        }
        if (vectorizable(m)) {
            vectorMap(m);
        }
        access.gridLoop(space, all, () -> {
            for (Kernel.Result r : m.results()) {
                String value = access.evaluate(r.body());
                access.store(r.output(), access.flatIndex(space, all), value);
            }
        });
    }

    /** The thread's index in its block, split as (index % n, index / n), and the index itself. */
    private String[] threadIndexSplit(int n) {
        String thread = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, thread, "%tid.x");
        String remainder = asm.reg(RegClass.B32);
        String quotient = asm.reg(RegClass.B32);
        asm.op("rem", PtxType.U32, remainder, thread, n);
        asm.op("div", PtxType.U32, quotient, thread, n);
        return new String[] {remainder, quotient, thread};
    }

    /** The parameters and the buffers a reduction reads and writes. */
    private void prepareReduction(Kernel.Reduce l) {
        access.prologue();
        access.prepareBuffers(l.body());
        access.prepareBuffers(l.epilogue());
        access.prepare(l.output());
    }

    /** A reduction with one thread per output point, folding the reduced axes in order. */
    private void threadReductionKernel(Kernel.Reduce l) {
        Shape space = l.space();
        List<Integer> kept = PtxKernelAccess.keptAxes(l);
        prepareReduction(l);
        access.gridLoop(space, kept, () -> {
            accumulator = scalar.newValue(l.accumulator());
            setIdentity(l);
            String best = l.isArg() ? scalar.newValue(l.body().dtype().isFloating() ? DType.FLOAT64 : DType.INT64) : null;
            reduce(l, space, 0, best);
            String value = access.evaluate(l.epilogue(), accumulator);
            access.store(l.output(), access.flatIndex(space, kept), value);
        });
    }

    /** Elements a thread of a vectorized map loads and stores at once (16 bytes of 4-byte elements). */
    private static final int LANES = 4;

    /**
     * Whether a map can move its data four elements at a time: its one output and every buffer it reads
     * hold 4-byte elements (float32, int32), each read at the point being written (the identity
     * index over the map's space), and the coordinates appear nowhere else.
     */
    private static boolean vectorizable(Kernel.Map l) {
        if (l.results().size() > 1 || !fourBytes(l.output())
                || !l.output().type().shape().equals(l.space())) {
            return false;
        }
        return onlyIdentityLoads(l.body(), l.space());
    }

    private static boolean fourBytes(Buffer b) {
        return b.type().dtype() == DType.FLOAT32 || b.type().dtype() == DType.INT32;
    }

    private static boolean onlyIdentityLoads(Expr e, Shape space) {
        if (e instanceof Expr.Coord || e instanceof Expr.Random) {
            return false;
        }
        if (e instanceof Expr.Load load) {
            if (!fourBytes(load.buffer()) || !load.buffer().type().shape().equals(space)) {
                return false;
            }
            for (int d = 0; d < load.index().size(); d++) {
                if (!(load.index().get(d) instanceof Expr.Coord c) || c.axis() != d) {
                    return false;
                }
            }
            return true;
        }
        return Expr.children(e).stream().allMatch(child -> onlyIdentityLoads(child, space));
    }

    /**
     * A map's fast path when its point count is a multiple of four: each thread loads four
     * consecutive elements of every buffer with one 16-byte load (buffers start 256-byte aligned),
     * evaluates the four points, and stores them with one 16-byte store; otherwise the kernel falls
     * through to the scalar grid-stride loop after this.
     */
    private void vectorMap(Kernel.Map l) {
        String remainder = asm.reg(RegClass.B32);
        asm.op("rem", PtxType.U32, remainder, access.count, LANES);
        String scalarLoop = asm.label();
        String notMultiple = asm.reg(RegClass.PRED);
        asm.op("setp.ne", PtxType.U32, notMultiple, remainder, 0);
        asm.braIf(notMultiple, scalarLoop);
        String quads = asm.reg(RegClass.B32);
        asm.op("div", PtxType.U32, quads, access.count, LANES);
        access.stridedLoop(quads, quad -> {
            String first = asm.reg(RegClass.B32);
            asm.op("mul.lo", PtxType.S32, first, quad, LANES);
            Map<Buffer, String[]> loads = new HashMap<>();
            Expr.walk(l.body(), e -> {
                if (e instanceof Expr.Load load && !loads.containsKey(load.buffer())) {
                    String[] lanes = new String[LANES];
                    for (int i = 0; i < LANES; i++) {
                        lanes[i] = scalar.newValue(load.buffer().type().dtype());
                    }
                    asm.op("ld.global.v4", PtxScalarWriter.type(load.buffer().type().dtype()), "{" + String.join(", ", lanes) + "}", "[" + access.address(load.buffer(), first) + "]");
                    loads.put(load.buffer(), lanes);
                }
            });
            String[] values = access.evaluateLanes(l.body(), loads, LANES);
            asm.op("st.global.v4", PtxScalarWriter.type(l.output().type().dtype()), "[" + access.address(l.output(), first) + "]", "{" + String.join(", ", values) + "}");
        });
        asm.ret();
        asm.mark(scalarLoop);
    }

    /** The side of a matmul's square output tile; a block of TILE x TILE threads computes one. */
    static final int TILE = 16;
    /** The threads of a block, in the kernels that require a block size (tiled matmuls, block reductions). */
    static final int BLOCK = TILE * TILE;
    private static final int WARP = 32;

    /**
     * A tiled matmul: each block computes TILE x TILE output elements at a time, staging TILE x TILE
     * tiles of both operands (converted to the accumulator's dtype) through shared memory, so each
     * operand element is read from global memory once per tile instead of once per product. Every
     * thread still sums its own elements' products in order of p, in exact mode with products and
     * sums rounded separately in the accumulator's dtype, as the CPU backend's exact path does, so
     * results are bit-identical (otherwise with fused multiply-adds, see {@link Product#sums}); the
     * sum is rounded to the output dtype and an epilogue sees that rounded value as its
     * accumulator. Large outputs give each thread a register tile of outputs ({@link
     * #registerTile}). Blocks loop over tiles (batch, tile row, tile column), so any grid covers them
     * all; the entry requires blocks of TILE x TILE threads.
     */
    private void matmulKernel(Kernel.Matmul m) {
        Shape out = m.output().type().shape();
        int rank = out.rank();
        tiledProduct(new Product(m.output(), m.accumulator(), m.epilogue(), rank - 2, List.of(m.a(), m.b())) {
            @Override
            String rows() {
                return scalar.asRegister(access.size(out.dim(rank - 2)));
            }

            @Override
            String cols() {
                return scalar.asRegister(access.size(out.dim(rank - 1)));
            }

            @Override
            String depth() {
                Shape a = m.a().type().shape();
                return scalar.asRegister(access.size(a.dim(a.rank() - (m.transposeA() ? 2 : 1))));
            }

            @Override
            String a(String i, String p) {
                return convert(matrixLoad(m.a(), out, m.transposeA() ? p : i, m.transposeA() ? i : p), m.a());
            }

            @Override
            String b(String p, String j) {
                return convert(matrixLoad(m.b(), out, m.transposeB() ? j : p, m.transposeB() ? p : j), m.b());
            }

            @Override
            void outputCoords(String i, String j) {
                access.coords.put(rank - 2, i);
                access.coords.put(rank - 1, j);
            }
        });
    }

    /**
     * A convolution as an implicit GEMM ({@link Kernel.Conv}): the tiled product of its patch
     * matrix (rows the output's points, computed from the input as they are staged: no unfolded
     * matrix in memory) and its filter matrix, summed in the loop's order.
     */
    private void convKernel(Kernel.Conv c) {
        Shape out = c.output().type().shape();
        int rank = out.rank();
        List<Integer> points = PtxKernelAccess.allAxes(rank - 1);
        tiledProduct(new Product(c.output(), c.loop().accumulator(), c.loop().epilogue(), 0, List.of(c.x(), c.w())) {
            @Override
            String rows() {
                return product(out.dims().subList(0, rank - 1));
            }

            @Override
            String cols() {
                return scalar.asRegister(access.size(out.dim(rank - 1)));
            }

            @Override
            String depth() {
                List<io.jitflow.ir.Dim> reduced = c.loop().reducedAxes().stream().map(c.loop().space()::dim).toList();
                return product(reduced);
            }

            @Override
            String a(String i, String p) {
                return at(c.patch(), i, p);
            }

            @Override
            String b(String p, String j) {
                return at(c.filter(), p, j);
            }

            @Override
            void outputCoords(String i, String j) {
                access.decompose(i, out, points);
                access.coords.put(rank - 1, j);
            }

            /** A matrix expression's element [row, col], in the accumulator's dtype. */
            private String at(Expr matrix, String row, String col) {
                access.coords.put(0, row);
                access.coords.put(1, col);
                return scalar.convert(access.evaluate(matrix), matrix.dtype(), sums);
            }

            private String product(List<io.jitflow.ir.Dim> dims) {
                String value = asm.reg(RegClass.B32);
                asm.op("mov", PtxType.U32, value, 1);
                for (io.jitflow.ir.Dim d : dims) {
                    asm.op("mul.lo", PtxType.S32, value, value, scalar.asRegister(access.size(d)));
                }
                return value;
            }
        });
    }

    /**
     * What a tiled product multiplies: C[..., i, j] = epilogue(sum over p of A[i, p] * B[p, j]),
     * {@code batchRank} leading output dims each a product of their own.
     */
    private abstract class Product {
        final Buffer output;
        /** The accumulator's dtype as the kernel program declares it: what the epilogue reads. */
        final DType accumulator;
        /**
         * The dtype the products are summed in: the accumulator's in exact mode; otherwise float32
         * where the operands are float32 or float16 (the CPU's default mode does the same).
         */
        final DType sums;
        final Expr epilogue;
        final int batchRank;
        /** The buffers the operands' elements are read from. */
        final List<Buffer> operands;

        Product(Buffer output, DType accumulator, Expr epilogue, int batchRank, List<Buffer> operands) {
            this.output = output;
            this.accumulator = accumulator;
            this.sums = !exact && accumulator == DType.FLOAT64 && operands.stream().allMatch(b -> b.type().dtype()
                    == DType.FLOAT32 || b.type().dtype() == DType.FLOAT16) ? DType.FLOAT32 : accumulator;
            this.epilogue = epilogue;
            this.batchRank = batchRank;
            this.operands = operands;
        }

        abstract String rows();

        abstract String cols();

        abstract String depth();

        /** A[i, p] in the accumulator's dtype (i and p inside the matrix). */
        abstract String a(String i, String p);

        abstract String b(String p, String j);

        /** Sets the output coordinates of C[i, j] (the batch's are set already). */
        abstract void outputCoords(String i, String j);

        /** An operand's element, loaded, in the dtype of the sums. */
        String convert(String value, Buffer operand) {
            return scalar.convert(value, operand.type().dtype(), sums);
        }
    }

    private void tiledProduct(Product m) {
        Shape out = m.output.type().shape();
        int rank = out.rank();
        access.prologue();
        m.operands.forEach(access::prepare);
        access.prepare(m.output);
        access.prepareBuffers(m.epilogue);
        List<Integer> all = PtxKernelAccess.allAxes(rank);
        DType acc = m.sums;
        DType outType = m.output.type().dtype();
        int bytes = PtxKernelAccess.elementSize(acc);
        boolean fused = !exact && (acc == DType.FLOAT32 || acc == DType.FLOAT64);
        int r = registerTile(out, m.batchRank);
        int side = TILE * r;
        // tile_a holds a side x TILE block of A row by row, tile_b a TILE x side block of B row by row.
        String tileA = access.sharedArray("tile_a", side * TILE * bytes);
        String tileB = access.sharedArray("tile_b", TILE * side * bytes);
        String[] txy = threadIndexSplit(TILE);
        String tx = txy[0];
        String ty = txy[1];
        String rows = m.rows();
        String cols = m.cols();
        String depth = m.depth();
        String tileRows = asm.reg(RegClass.B32);
        String tileCols = asm.reg(RegClass.B32);
        asm.op("add", PtxType.S32, tileRows, rows, (side - 1));
        asm.op("div", PtxType.U32, tileRows, tileRows, side);
        asm.op("add", PtxType.S32, tileCols, cols, (side - 1));
        asm.op("div", PtxType.U32, tileCols, tileCols, side);
        String tiles = asm.reg(RegClass.B32);
        asm.op("mul.lo", PtxType.S32, tiles, tileRows, tileCols);
        for (int d = 0; d < m.batchRank; d++) {
            asm.op("mul.lo", PtxType.S32, tiles, tiles, scalar.asRegister(access.size(out.dim(d))));
        }
        // This thread stages A[row ty + TILE a, column tx] and B[row ty, column tx + TILE b] of each
        // block, and reads row ty + TILE a of tile_a and column tx + TILE b of tile_b.
        String rowA = asm.reg(RegClass.B32);
        asm.op("mad.lo", PtxType.S32, rowA, ty, TILE * bytes, tileA);
        String stageA = asm.reg(RegClass.B32);
        asm.op("mad.lo", PtxType.S32, stageA, tx, bytes, rowA);
        String colB = asm.reg(RegClass.B32);
        asm.op("mad.lo", PtxType.S32, colB, tx, bytes, tileB);
        String stageB = asm.reg(RegClass.B32);
        asm.op("mad.lo", PtxType.S32, stageB, ty, side * bytes, colB);

        access.blockStridedLoop(tiles, tile -> {
            String rest = asm.reg(RegClass.B32);
            asm.op("mov", PtxType.U32, rest, tile);
            String tileCol = asm.reg(RegClass.B32);
            String tileRow = asm.reg(RegClass.B32);
            asm.op("rem", PtxType.U32, tileCol, rest, tileCols);
            asm.op("div", PtxType.U32, rest, rest, tileCols);
            asm.op("rem", PtxType.U32, tileRow, rest, tileRows);
            asm.op("div", PtxType.U32, rest, rest, tileRows);
            for (int d = m.batchRank - 1; d >= 0; d--) {
                String coord = asm.reg(RegClass.B32);
                asm.op("rem", PtxType.U32, coord, rest, scalar.asRegister(access.size(out.dim(d))));
                asm.op("div", PtxType.U32, rest, rest, scalar.asRegister(access.size(out.dim(d))));
                access.coords.put(d, coord);
            }
            String[] i = new String[r];
            String[] j = new String[r];
            for (int a = 0; a < r; a++) {
                i[a] = asm.reg(RegClass.B32);
                asm.op("mad.lo", PtxType.S32, i[a], tileRow, side, ty);
                asm.op("add", PtxType.S32, i[a], i[a], TILE * a);
                j[a] = asm.reg(RegClass.B32);
                asm.op("mad.lo", PtxType.S32, j[a], tileCol, side, tx);
                asm.op("add", PtxType.S32, j[a], j[a], TILE * a);
            }
            String[][] sums = new String[r][r];
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < r; b++) {
                    sums[a][b] = scalar.newValue(acc);
                    asm.op("mov", PtxScalarWriter.moveType(acc), sums[a][b], PtxScalarWriter.constant(acc, 0));
                }
            }
            String k0 = asm.reg(RegClass.B32);
            asm.op("mov", PtxType.U32, k0, 0);
            asm.countedLoop(k0, depth, Integer.toString(TILE), nextStep -> {
                // Stage A[i, k0 + tx] and B[k0 + ty, j], where they exist.
                String p = asm.reg(RegClass.B32);
                asm.op("add", PtxType.S32, p, k0, tx);
                String q = asm.reg(RegClass.B32);
                asm.op("add", PtxType.S32, q, k0, ty);
                for (int a = 0; a < r; a++) {
                    String row = i[a];
                    stage(row, rows, p, depth, stageA + "+" + TILE * TILE * bytes * a, acc, () -> m.a(row, p));
                }
                for (int b = 0; b < r; b++) {
                    String col = j[b];
                    stage(q, depth, col, cols, stageB + "+" + TILE * bytes * b, acc, () -> m.b(q, col));
                }
                asm.barSync();
                String width = asm.reg(RegClass.B32);
                asm.op("sub", PtxType.S32, width, depth, k0);
                asm.op("min", PtxType.S32, width, width, TILE);
                String kk = asm.reg(RegClass.B32);
                asm.op("mov", PtxType.U32, kk, 0);
                asm.countedLoop(kk, width, "1", nextK -> {
                    String atA = asm.reg(RegClass.B32);
                    asm.op("mad.lo", PtxType.S32, atA, kk, bytes, rowA);
                    String atB = asm.reg(RegClass.B32);
                    asm.op("mad.lo", PtxType.S32, atB, kk, side * bytes, colB);
                    String[] x = new String[r];
                    String[] y = new String[r];
                    for (int a = 0; a < r; a++) {
                        x[a] = scalar.newValue(acc);
                        asm.op("ld.shared", PtxScalarWriter.type(acc), x[a],
                                "[" + atA + "+" + TILE * TILE * bytes * a + "]");
                        y[a] = scalar.newValue(acc);
                        asm.op("ld.shared", PtxScalarWriter.type(acc), y[a], "[" + atB + "+" + TILE * bytes * a + "]");
                    }
                    for (int a = 0; a < r; a++) {
                        for (int b = 0; b < r; b++) {
                            if (fused) {
                                asm.op("fma.rn", PtxScalarWriter.type(acc), sums[a][b], x[a], y[b], sums[a][b]);
                                continue;
                            }
                            String product = scalar.newValue(acc);
                            asm.op(PtxScalarWriter.arith("mul", acc), PtxScalarWriter.type(acc), product, x[a], y[b]);
                            asm.op(PtxScalarWriter.arith("add", acc), PtxScalarWriter.type(acc), sums[a][b], sums[a][b],
                                    product);
                        }
                    }
                });
                asm.barSync();
            });
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < r; b++) {
                    String after = asm.label();
                    String outside = asm.reg(RegClass.PRED);
                    String colOutside = asm.reg(RegClass.PRED);
                    asm.op("setp.ge", PtxType.S32, outside, i[a], rows);
                    asm.op("setp.ge", PtxType.S32, colOutside, j[b], cols);
                    asm.op("or", PtxType.PRED, outside, outside, colOutside);
                    asm.braIf(outside, after);
                    m.outputCoords(i[a], j[b]);
                    String rounded = scalar.convert(sums[a][b], acc, outType);
                    String accumulated = scalar.convert(rounded, outType, m.accumulator);
                    access.onFailureBranchTo(after,
                            () -> access.store(m.output, access.flatIndex(out, all),
                                    access.evaluate(m.epilogue, accumulated)));
                    asm.mark(after);
                }
            }
        });
        asm.ret();
    }

    /**
     * The outputs per thread along each side of a product's tile: 4 x 4 where the output is static,
     * its rows and columns at least 64 and its elements at least 2^18 (64 tiles of 64 x 64); 1 x 1
     * otherwise. A block of 16 x 16 threads then computes a 64 x 64 tile and each thread loads 8
     * staged elements for 16 products instead of 2 for 1: shared memory, not arithmetic, limits the
     * one-output kernel, so fewer busy multiprocessors doing 4 x 4 tiles still compute more.
     */
    static int registerTile(Shape out, int batchRank) {
        if (!out.isStatic()) {
            return 1;
        }
        long rows = 1;
        for (int d = batchRank; d < out.rank() - 1; d++) {
            rows *= out.dim(d).size();
        }
        long cols = out.dim(out.rank() - 1).size();
        return rows >= 64 && cols >= 64 && out.elementCount() >= 1 << 18 ? 4 : 1;
    }

    /**
     * Stores an operand's element, in the accumulator's dtype, into this thread's slot of a shared
     * tile, when row < rows and col < cols.
     */
    private void stage(String row, String rows, String col, String cols, String slot, DType acc,
                       java.util.function.Supplier<String> value) {
        String skip = asm.label();
        String outside = asm.reg(RegClass.PRED);
        String colOutside = asm.reg(RegClass.PRED);
        asm.op("setp.ge", PtxType.S32, outside, row, rows);
        asm.op("setp.ge", PtxType.S32, colOutside, col, cols);
        asm.op("or", PtxType.PRED, outside, outside, colOutside);
        asm.braIf(outside, skip);
        asm.op("st.shared", PtxScalarWriter.type(acc), "[" + slot + "]", value.get());
        asm.mark(skip);
    }

    /** Element [row, col] of a matmul operand, its batch dims aligned right with the output's (size 1 broadcasts). */
    private String matrixLoad(Buffer operand, Shape out, String row, String col) {
        Shape shape = operand.type().shape();
        int batchRank = shape.rank() - 2;
        String[] s = access.strides.get(operand);
        String flat = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, flat, 0);
        for (int d = 0; d < batchRank; d++) {
            String coord = access.coords.get(out.rank() - 2 - batchRank + d);
            String batchIndex = asm.reg(RegClass.B32);
            String broadcast = asm.reg(RegClass.PRED);
            asm.op("setp.eq", PtxType.U32, broadcast, scalar.asRegister(access.size(shape.dim(d))), 1);
            asm.op("selp", PtxType.U32, batchIndex, 0, coord, broadcast);
            asm.op("mad.lo", PtxType.S32, flat, batchIndex, scalar.asRegister(s[d]), flat);
        }
        asm.op("mad.lo", PtxType.S32, flat, row, scalar.asRegister(s[batchRank]), flat);
        asm.op("add", PtxType.S32, flat, flat, col);
        return access.loadElement(operand, flat);
    }

    /** The fold's starting value, as the CPU backend starts it. */
    private String identity(Kernel.Reduce l) {
        DType acc = l.accumulator();
        DType value = l.body().dtype();
        return switch (l.reducer()) {
            case SUM, ANY, ARGMAX, ARGMIN -> PtxScalarWriter.constant(acc, 0);
            case PROD, ALL -> PtxScalarWriter.constant(acc, 1);
            case MAX -> acc.isFloating() ? PtxScalarWriter.constant(Expr.Const.of(acc, Double.NEGATIVE_INFINITY))
                    : PtxScalarWriter.constant(acc, value == DType.UINT8 ? 0 : value == DType.INT32 ? Integer.MIN_VALUE : Long.MIN_VALUE);
            case MIN -> acc.isFloating() ? PtxScalarWriter.constant(Expr.Const.of(acc, Double.POSITIVE_INFINITY))
                    : PtxScalarWriter.constant(acc, value == DType.UINT8 ? 255 : value == DType.INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE);
        };
    }

    /**
     * Nested counted loops over the reduced axes, in axis order, folding the body into the
     * accumulator; {@code best} holds the extreme value so far of an argmax/argmin.
     */
    private void reduce(Kernel.Reduce l, Shape space, int from, String best) {
        if (from == l.reducedAxes().size()) {
            String v = access.evaluate(l.body());
            if (best != null) {
                foldArg(l, v, best);
                return;
            }
            fold(l, scalar.convert(v, l.body().dtype(), l.accumulator()));
            return;
        }
        int axis = l.reducedAxes().get(from);
        String coord = asm.reg(RegClass.B32);
        access.coords.put(axis, coord);
        asm.op("mov", PtxType.U32, coord, 0);
        asm.countedLoop(coord, access.size(space.dim(axis)), "1", next -> reduce(l, space, from + 1, best));
    }

    /**
     * A reduction where each output point is reduced by a whole block: every thread folds the
     * elements it strides over (in the order of the reduced axes), the 32 lanes of each warp
     * combine theirs with shuffles, the warps' results meet in shared memory, and warp 0 combines
     * those; thread 0 applies the epilogue and stores. Blocks loop over points. Integer, bool,
     * max and min results are exactly the reference's; float sums and products are combined in
     * another order (in float64), so they can differ from the reference in the last bits.
     */
    private void blockReductionKernel(Kernel.Reduce l) {
        Shape space = l.space();
        List<Integer> kept = PtxKernelAccess.keptAxes(l);
        prepareReduction(l);
        DType acc = l.accumulator();
        String partials = access.sharedArray("partials", 8 * (BLOCK / WARP));
        String[] laneAndWarp = threadIndexSplit(WARP);
        String thread = laneAndWarp[2];
        String laneId = laneAndWarp[0];
        String warp = laneAndWarp[1];
        String extent = asm.reg(RegClass.B32);
        asm.op("mov", PtxType.U32, extent, 1);
        for (int axis : l.reducedAxes()) {
            asm.op("mul.lo", PtxType.S32, extent, extent, access.size(space.dim(axis)));
        }
        access.blockStridedLoop(access.count, point -> {
            access.decompose(point, space, kept);
            accumulator = scalar.newValue(acc);
            setIdentity(l);
            // This thread's share: elements thread, thread + BLOCK, ... of the reduced axes, in order.
            String element = asm.reg(RegClass.B32);
            asm.op("mov", PtxType.U32, element, thread);
            asm.countedLoop(element, extent, Integer.toString(BLOCK), next -> {
                access.decompose(element, space, l.reducedAxes());
                access.onFailureBranchTo(next,
                        () -> fold(l, scalar.convert(access.evaluate(l.body()), l.body().dtype(), acc)));
            });
            combineAcrossWarp(l, WARP / 2);
            String notFirstLane = asm.reg(RegClass.PRED);
            asm.op("setp.ne", PtxType.S32, notFirstLane, laneId, 0);
            String slot = asm.reg(RegClass.B32);
            asm.op("mad.lo", PtxType.S32, slot, warp, 8, partials);
            String skipStore = asm.label();
            asm.braIf(notFirstLane, skipStore);
            storeShared(slot, acc);
            asm.mark(skipStore);
            asm.barSync();
            String notFirstWarp = asm.reg(RegClass.PRED);
            asm.op("setp.ne", PtxType.S32, notFirstWarp, warp, 0);
            String pointDone = asm.label();
            asm.braIf(notFirstWarp, pointDone);
            // Warp 0: laneId w takes warp w's result (the identity past the last warp), then they combine.
            setIdentity(l);
            String beyond = asm.reg(RegClass.PRED);
            asm.op("setp.ge", PtxType.S32, beyond, laneId, BLOCK / WARP);
            String skipLoad = asm.label();
            asm.braIf(beyond, skipLoad);
            asm.op("mad.lo", PtxType.S32, slot, laneId, 8, partials);
            scalar.move(accumulator, loadShared(slot, acc), acc);
            asm.mark(skipLoad);
            combineAcrossWarp(l, BLOCK / WARP / 2);
            asm.braIf(notFirstLane, pointDone);
            access.onFailureBranchTo(pointDone, () -> access.store(l.output(), access.flatIndex(space, kept),
                    access.evaluate(l.epilogue(), accumulator)));
            asm.mark(pointDone);
            asm.barSync();
        });
        asm.ret();
    }

    /**
     * scatter_add, one thread per output element: x's element, plus, in the reference's order, every
     * update whose index along the axis points at this element (only the updates sharing its other
     * coordinates can), summed in float64 or int64 and rounded once, so the result is the
     * reference's bit for bit. Each thread checks the indices it reads.
     */
    private void scatterAddKernel(Kernel.ScatterAdd s) {
        Shape shape = s.x().type().shape();
        Shape indexShape = s.indices().type().shape();
        int rank = shape.rank();
        int indexRank = indexShape.rank() - s.batchDims();
        access.prologue();
        for (Buffer b : List.of(s.x(), s.indices(), s.updates(), s.output())) {
            access.prepare(b);
        }
        List<Integer> all = PtxKernelAccess.allAxes(rank);
        DType dtype = s.x().type().dtype();
        DType acc = dtype.isFloating() ? DType.FLOAT64 : DType.INT64;
        String message = "scatter_add: scatterIndex out of range [0, " + shape.dim(s.axis()) + ") for axis " + s.axis();
        access.gridLoop(shape, all, () -> {
            String flat = access.flatIndex(shape, all);
            String sum = scalar.newValue(acc);
            scalar.move(sum, scalar.convert(access.loadElement(s.x(), flat), dtype, acc), acc);
            String updateCount = asm.reg(RegClass.B32);
            asm.op("mov", PtxType.U32, updateCount, 1);
            for (int d = s.batchDims(); d < indexShape.rank(); d++) {
                asm.op("mul.lo", PtxType.S32, updateCount, updateCount, scalar.asRegister(access.size(indexShape.dim(d))));
            }
            String j = asm.reg(RegClass.B32);
            asm.op("mov", PtxType.U32, j, 0);
            asm.countedLoop(j, updateCount, "1", next -> {
                // j's coordinates in the scatterIndex dims (last fastest)
                String[] jCoords = new String[indexRank];
                String rest = asm.reg(RegClass.B32);
                asm.op("mov", PtxType.U32, rest, j);
                for (int d = indexRank - 1; d >= 0; d--) {
                    String size = scalar.asRegister(access.size(indexShape.dim(s.batchDims() + d)));
                    jCoords[d] = asm.reg(RegClass.B32);
                    asm.op("rem", PtxType.U32, jCoords[d], rest, size);
                    asm.op("div", PtxType.U32, rest, rest, size);
                }
                String[] indexStrides = access.strides.get(s.indices());
                String position = asm.reg(RegClass.B32);
                asm.op("mov", PtxType.U32, position, 0);
                for (int d = 0; d < s.batchDims(); d++) {
                    asm.op("mad.lo", PtxType.S32, position, access.coords.get(d), scalar.asRegister(indexStrides[d]), position);
                }
                for (int d = 0; d < indexRank; d++) {
                    asm.op("mad.lo", PtxType.S32, position, jCoords[d], scalar.asRegister(indexStrides[s.batchDims() + d]), position);
                }
                String scatterIndex = scalar.convert(access.loadElement(s.indices(), position), s.indices().type().dtype(), DType.INT64);
                String inRange = asm.reg(RegClass.PRED);
                String below = asm.reg(RegClass.PRED);
                asm.op("setp.ge", PtxType.S64, inRange, scatterIndex, 0);
                asm.op("setp.lt", PtxType.S64, below, scatterIndex, scalar.convert(scalar.asRegister(access.size(shape.dim(s.axis()))), DType.INT32, DType.INT64));
                asm.op("and", PtxType.PRED, inRange, inRange, below);
                access.failUnless(inRange, message);
                String here = asm.reg(RegClass.PRED);
                asm.op("setp.ne", PtxType.S64, here, scatterIndex, scalar.convert(access.coords.get(s.axis()), DType.INT32, DType.INT64));
                asm.braIf(here, next);
                // The update at (this element's coordinates before the axis, j, those after it).
                String[] updateStrides = access.strides.get(s.updates());
                String update = asm.reg(RegClass.B32);
                asm.op("mov", PtxType.U32, update, 0);
                int u = 0;
                for (int d = 0; d < s.axis(); d++) {
                    asm.op("mad.lo", PtxType.S32, update, access.coords.get(d), scalar.asRegister(updateStrides[u++]), update);
                }
                for (int d = 0; d < indexRank; d++) {
                    asm.op("mad.lo", PtxType.S32, update, jCoords[d], scalar.asRegister(updateStrides[u++]), update);
                }
                for (int d = s.axis() + 1; d < rank; d++) {
                    asm.op("mad.lo", PtxType.S32, update, access.coords.get(d), scalar.asRegister(updateStrides[u++]), update);
                }
                String added = scalar.convert(access.loadElement(s.updates(), update), dtype, acc);
                asm.op(PtxScalarWriter.arith("add", acc), PtxScalarWriter.type(acc), sum, sum, added);
            });
            access.store(s.output(), flat, scalar.convert(sum, acc, dtype));
        });
    }

    private void setIdentity(Kernel.Reduce l) {
        if (l.accumulator() == DType.BOOL) {
            asm.op("setp.ne", PtxType.U32, accumulator, scalar.asRegister(l.reducer() == Kernel.Reducer.ALL ? "1" : "0"), 0);
        } else {
            asm.op("mov", PtxScalarWriter.moveType(l.accumulator()), accumulator, identity(l));
        }
    }

    /** Folds lane i + offset's accumulator into lane i's, for offset = from, from / 2, ..., 1 (lane 0 ends with all). */
    private void combineAcrossWarp(Kernel.Reduce l, int from) {
        DType acc = l.accumulator();
        for (int offset = from; offset >= 1; offset /= 2) {
            if (acc == DType.BOOL) {
                String bits = asm.reg(RegClass.B32);
                asm.op("selp", PtxType.U32, bits, 1, 0, accumulator);
                asm.op("shfl.sync.down", PtxType.B32, bits, bits, offset, 31, "0xffffffff");
                String other = scalar.newValue(acc);
                asm.op("setp.ne", PtxType.U32, other, bits, 0);
                fold(l, other);
                continue;
            }
            // 64-bit accumulators travel as two 32-bit halves.
            String bits = asm.reg(RegClass.B64);
            asm.op("mov", PtxType.B64, bits, accumulator);
            String low = asm.reg(RegClass.B32);
            String high = asm.reg(RegClass.B32);
            asm.cvt("", PtxType.U32, PtxType.U64, low, bits);
            String shifted = asm.reg(RegClass.B64);
            asm.op("shr", PtxType.U64, shifted, bits, 32);
            asm.cvt("", PtxType.U32, PtxType.U64, high, shifted);
            asm.op("shfl.sync.down", PtxType.B32, low, low, offset, 31, "0xffffffff");
            asm.op("shfl.sync.down", PtxType.B32, high, high, offset, 31, "0xffffffff");
            String joined = asm.reg(RegClass.B64);
            asm.cvt("", PtxType.U64, PtxType.U32, joined, high);
            asm.op("shl", PtxType.B64, joined, joined, 32);
            asm.cvt("", PtxType.U64, PtxType.U32, shifted, low);
            asm.op("or", PtxType.B64, joined, joined, shifted);
            String other = scalar.newValue(acc);
            asm.op("mov", PtxType.B64, other, joined);
            fold(l, other);
        }
    }

    private void storeShared(String address, DType acc) {
        if (acc == DType.BOOL) {
            String bits = asm.reg(RegClass.B32);
            asm.op("selp", PtxType.U32, bits, 1, 0, accumulator);
            asm.op("st.shared", PtxType.U32, "[" + address + "]", bits);
        } else {
            asm.op("st.shared", PtxScalarWriter.type(acc), "[" + address + "]", accumulator);
        }
    }

    private String loadShared(String address, DType acc) {
        String value = scalar.newValue(acc);
        if (acc == DType.BOOL) {
            String bits = asm.reg(RegClass.B32);
            asm.op("ld.shared", PtxType.U32, bits, "[" + address + "]");
            asm.op("setp.ne", PtxType.U32, value, bits, 0);
        } else {
            asm.op("ld.shared", PtxScalarWriter.type(acc), value, "[" + address + "]");
        }
        return value;
    }

    /** Folds {@code value} (of the accumulator's dtype) into the accumulator with the loop's reducer. */
    private void fold(Kernel.Reduce l, String value) {
        DType acc = l.accumulator();
        switch (l.reducer()) {
            case SUM, PROD -> {
                asm.op(PtxScalarWriter.arith(l.reducer() == Kernel.Reducer.SUM ? "add" : "mul", acc), PtxScalarWriter.type(acc), accumulator, accumulator, value);
                scalar.wrapUint8(accumulator, acc);
            }
            case ANY, ALL -> {
                String op = l.reducer() == Kernel.Reducer.ANY ? "or" : "and";
                asm.op(op, PtxScalarWriter.bits(acc), accumulator, accumulator, value);
            }
            default -> {
                String folded = scalar.newValue(acc);
                scalar.minMax(l.reducer() == Kernel.Reducer.MAX ? ScalarOp.MAX : ScalarOp.MIN, acc, accumulator, value, folded);
                scalar.move(accumulator, folded, acc);
            }
        }
    }

    /** argmax/argmin: keep the first extreme; a NaN, once met, wins (as the reference does). */
    private void foldArg(Kernel.Reduce l, String value, String best) {
        DType bestType = l.body().dtype().isFloating() ? DType.FLOAT64 : DType.INT64;
        String v = scalar.convert(value, l.body().dtype(), bestType);
        String take = asm.label();
        String skip = asm.label();
        String first = asm.reg(RegClass.PRED);
        asm.op("setp.eq", PtxType.S32, first, access.coords.get(l.reducedAxes().get(0)), 0);
        asm.braIf(first, take);
        if (bestType == DType.FLOAT64) {
            String bestNaN = asm.reg(RegClass.PRED);
            asm.op("setp.nan", PtxType.F64, bestNaN, best, best);
            asm.braIf(bestNaN, skip);
            String valueNaN = asm.reg(RegClass.PRED);
            asm.op("setp.nan", PtxType.F64, valueNaN, v, v);
            asm.braIf(valueNaN, take);
        }
        String better = asm.reg(RegClass.PRED);
        asm.op(l.reducer() == Kernel.Reducer.ARGMAX ? "setp.gt" : "setp.lt", PtxScalarWriter.type(bestType), better, v, best);
        asm.braUnless(better, skip);
        asm.mark(take);
        scalar.move(best, v, bestType);
        String position = scalar.convert(access.coords.get(l.reducedAxes().get(0)), DType.INT32, DType.INT64);
        scalar.move(accumulator, position, DType.INT64);
        asm.mark(skip);
    }

}
