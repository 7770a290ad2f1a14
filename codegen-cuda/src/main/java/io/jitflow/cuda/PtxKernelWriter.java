package io.jitflow.cuda;

import io.jitflow.ir.DType;
import io.jitflow.ir.Shape;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarOp;
import java.util.List;

/**
 * Writes one kernel of a program as a PTX entry: loops over output points (a grid-stride loop, one
 * thread per point), reductions (each thread folding a point's reduced axes in order; over large or
 * symbolic extents a whole block per point, see {@link LaunchPlan#reducesPerBlock}), tiled
 * matmuls with their epilogues, loads at computed positions, stores, and the kernel's run-time
 * checks through the status word. The scalar operations come from {@link PtxScalarWriter}; anything
 * the backend cannot compile yet is refused with an {@link UnsupportedKernelException} naming it.
 * Access to buffers, coordinates and expressions comes from {@link PtxKernelAccess}.
 */
final class PtxKernelWriter extends PtxKernelAccess {
    /** {@code errors}: the module's run-time error messages so far; this kernel's are added. */
    PtxKernelWriter(KernelProgram program, int index, List<String> errors) {
        super(program, index, errors);
    }

    String write() {
        String name = LaunchPlan.entryName(program, index);
        if (kernel instanceof Kernel.Matmul m) {
            matmulKernel(m);
        } else if (kernel instanceof Kernel.ScatterAdd scatter) {
            scatterAddKernel(scatter);
        } else if (kernel instanceof Kernel.Map map) {
            mapKernel(map);
        } else if (kernel instanceof Kernel.Reduce reduce) {
            if (reduce.isArg() && (reduce.reducedAxes().size() != 1
                    || !reduce.space().dim(reduce.reducedAxes().get(0)).isStatic()
                    || reduce.space().dim(reduce.reducedAxes().get(0)).size() == 0)) {
                // An empty axis is an error on the CPU; a kernel cannot raise one, so only known non-empty axes.
                throw unsupported(reduce.reducer().toString().toLowerCase() + " over an axis that may be empty");
            }
            if (LaunchPlan.reducesPerBlock(reduce)) {
                blockReductionKernel(reduce);
            } else {
                threadReductionKernel(reduce);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("// kernel ").append(index).append(": ").append(fusedNodes()).append('\n');
        sb.append(".visible .entry ").append(name).append("(\n    .param .u64 buffers,\n    .param .u64 sizes,\n")
                .append("    .param .u32 count,\n    .param .u64 status)\n");
        if (kernel instanceof Kernel.Matmul || LaunchPlan.reducesPerBlock(kernel)) {
            sb.append("    .reqntid ").append(BLOCK).append(", 1, 1\n");
        }
        sb.append("{\n");
        sb.append(registerDeclarations());
        sb.append(sharedDeclarations);
        sb.append(instructions()).append("}\n");
        return sb.toString();
    }

    // ---- the loop ----

    /** A map: each thread computes its points' results in a grid-stride loop (four at a time where it can). */
    private void mapKernel(Kernel.Map m) {
        Shape space = m.space();
        List<Integer> all = keptAxes(m);
        prologue();
        for (Kernel.Result r : m.results()) {
            prepareBuffers(r.body());
            prepare(r.output());
        }
        if (vectorizable(m)) {
            vectorMap(m);
        }
        gridLoop(space, all, () -> {
            for (Kernel.Result r : m.results()) {
                String value = evaluate(r.body());
                store(r.output(), flatIndex(space, all), value);
            }
        });
    }

    /** A reduction with one thread per output point, folding the reduced axes in order. */
    private void threadReductionKernel(Kernel.Reduce l) {
        Shape space = l.space();
        List<Integer> kept = keptAxes(l);
        prologue();
        prepareBuffers(l.body());
        prepareBuffers(l.epilogue());
        prepare(l.output());
        gridLoop(space, kept, () -> {
            accumulator = newValue(l.accumulator());
            setIdentity(l);
            String best = l.isArg() ? newValue(l.body().dtype().isFloating() ? DType.FLOAT64 : DType.INT64) : null;
            reduce(l, space, 0, best);
            String value = evaluate(l.epilogue());
            store(l.output(), flatIndex(space, kept), value);
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
        String remainder = reg(RegClass.B32);
        emit("rem.u32 " + remainder + ", " + count + ", " + LANES);
        String scalar = label();
        String notMultiple = reg(RegClass.PRED);
        emit("setp.ne.u32 " + notMultiple + ", " + remainder + ", 0");
        emit("@" + notMultiple + " bra " + scalar);
        String quads = reg(RegClass.B32);
        emit("div.u32 " + quads + ", " + count + ", " + LANES);
        stridedLoop(quads, quad -> {
            String first = reg(RegClass.B32);
            emit("mul.lo.s32 " + first + ", " + quad + ", " + LANES);
            vectorLoads.clear();
            Expr.walk(l.body(), e -> {
                if (e instanceof Expr.Load load && !vectorLoads.containsKey(load.buffer())) {
                    String[] lanes = new String[LANES];
                    for (int i = 0; i < LANES; i++) {
                        lanes[i] = newValue(load.buffer().type().dtype());
                    }
                    emit("ld.global.v4." + type(load.buffer().type().dtype()) + " {" + String.join(", ", lanes) + "}, ["
                            + address(load.buffer(), first) + "]");
                    vectorLoads.put(load.buffer(), lanes);
                }
            });
            String[] values = new String[LANES];
            for (lane = 0; lane < LANES; lane++) {
                values[lane] = evaluate(l.body());
            }
            vectorLoads.clear();
            emit("st.global.v4." + type(l.output().type().dtype()) + " [" + address(l.output(), first) + "], {"
                    + String.join(", ", values) + "}");
        });
        emit("ret");
        mark(scalar);
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
        List<Integer> all = allAxes(rank);
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

        blockStridedLoop(tiles, tile -> {
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
            countedLoop(k0, depth, Integer.toString(TILE), nextStep -> {
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
                countedLoop(kk, width, "1", nextK -> {
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
                });
                mark(skip);
                emit("bar.sync 0");
            });
            String after = label();
            emit("@!" + inside + " bra " + after);
            String rounded = convert(sum, acc, outType);
            accumulator = convert(rounded, outType, acc);
            onFailure = after;
            store(m.output(), flatIndex(out, all), evaluate(m.epilogue()));
            onFailure = null;
            mark(after);
        });
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

    /** The fold's starting value, as the CPU backend starts it. */
    private String identity(Kernel.Reduce l) {
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
    private void reduce(Kernel.Reduce l, Shape space, int from, String best) {
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
        emit("mov.u32 " + coord + ", 0");
        countedLoop(coord, size(space.dim(axis)), "1", next -> reduce(l, space, from + 1, best));
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
        List<Integer> kept = keptAxes(l);
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
        blockStridedLoop(count, point -> {
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
        });
        emit("ret");
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
        prologue();
        for (Buffer b : List.of(s.x(), s.indices(), s.updates(), s.output())) {
            prepare(b);
        }
        List<Integer> all = allAxes(rank);
        DType dtype = s.x().type().dtype();
        DType acc = dtype.isFloating() ? DType.FLOAT64 : DType.INT64;
        String message = "scatter_add: index out of range [0, " + shape.dim(s.axis()) + ") for axis " + s.axis();
        gridLoop(shape, all, () -> {
            String flat = flatIndex(shape, all);
            String sum = newValue(acc);
            move(sum, convert(loadElement(s.x(), flat), dtype, acc), acc);
            String count = reg(RegClass.B32);
            emit("mov.u32 " + count + ", 1");
            for (int d = s.batchDims(); d < indexShape.rank(); d++) {
                emit("mul.lo.s32 " + count + ", " + count + ", " + asRegister(size(indexShape.dim(d))));
            }
            String j = reg(RegClass.B32);
            emit("mov.u32 " + j + ", 0");
            countedLoop(j, count, "1", next -> {
                // j's coordinates in the index dims (last fastest)
                String[] jCoords = new String[indexRank];
                String rest = reg(RegClass.B32);
                emit("mov.u32 " + rest + ", " + j);
                for (int d = indexRank - 1; d >= 0; d--) {
                    String size = asRegister(size(indexShape.dim(s.batchDims() + d)));
                    jCoords[d] = reg(RegClass.B32);
                    emit("rem.u32 " + jCoords[d] + ", " + rest + ", " + size);
                    emit("div.u32 " + rest + ", " + rest + ", " + size);
                }
                String[] indexStrides = strides.get(s.indices());
                String position = reg(RegClass.B32);
                emit("mov.u32 " + position + ", 0");
                for (int d = 0; d < s.batchDims(); d++) {
                    emit("mad.lo.s32 " + position + ", " + coords.get(d) + ", " + asRegister(indexStrides[d]) + ", " + position);
                }
                for (int d = 0; d < indexRank; d++) {
                    emit("mad.lo.s32 " + position + ", " + jCoords[d] + ", " + asRegister(indexStrides[s.batchDims() + d]) + ", "
                            + position);
                }
                String index = convert(loadElement(s.indices(), position), s.indices().type().dtype(), DType.INT64);
                String inRange = reg(RegClass.PRED);
                String below = reg(RegClass.PRED);
                emit("setp.ge.s64 " + inRange + ", " + index + ", 0");
                emit("setp.lt.s64 " + below + ", " + index + ", " + convert(asRegister(size(shape.dim(s.axis()))), DType.INT32,
                        DType.INT64));
                emit("and.pred " + inRange + ", " + inRange + ", " + below);
                failUnless(inRange, message);
                String here = reg(RegClass.PRED);
                emit("setp.ne.s64 " + here + ", " + index + ", " + convert(coords.get(s.axis()), DType.INT32, DType.INT64));
                emit("@" + here + " bra " + next);
                // The update at (this element's coordinates before the axis, j, those after it).
                String[] updateStrides = strides.get(s.updates());
                String update = reg(RegClass.B32);
                emit("mov.u32 " + update + ", 0");
                int u = 0;
                for (int d = 0; d < s.axis(); d++) {
                    emit("mad.lo.s32 " + update + ", " + coords.get(d) + ", " + asRegister(updateStrides[u++]) + ", " + update);
                }
                for (int d = 0; d < indexRank; d++) {
                    emit("mad.lo.s32 " + update + ", " + jCoords[d] + ", " + asRegister(updateStrides[u++]) + ", " + update);
                }
                for (int d = s.axis() + 1; d < rank; d++) {
                    emit("mad.lo.s32 " + update + ", " + coords.get(d) + ", " + asRegister(updateStrides[u++]) + ", " + update);
                }
                String added = convert(loadElement(s.updates(), update), dtype, acc);
                emit(arith("add", acc) + " " + sum + ", " + sum + ", " + added);
            });
            store(s.output(), flat, convert(sum, acc, dtype));
        });
    }

    private void setIdentity(Kernel.Reduce l) {
        if (l.accumulator() == DType.BOOL) {
            emit("setp.ne.u32 " + accumulator + ", " + asRegister(l.reducer() == Kernel.Reducer.ALL ? "1" : "0") + ", 0");
        } else {
            emit("mov." + moveType(l.accumulator()) + " " + accumulator + ", " + identity(l));
        }
    }

    /** Folds lane i + offset's accumulator into lane i's, for offset = from, from / 2, ..., 1 (lane 0 ends with all). */
    private void combineAcrossWarp(Kernel.Reduce l, int from) {
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
    private void fold(Kernel.Reduce l, String value) {
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
    private void foldArg(Kernel.Reduce l, String value, String best) {
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

}
