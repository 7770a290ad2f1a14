package io.jitflow.passes.fusion;

import static io.jitflow.passes.fusion.IndexExprs.add;
import static io.jitflow.passes.fusion.IndexExprs.constant;
import static io.jitflow.passes.fusion.IndexExprs.identity;
import static io.jitflow.passes.fusion.IndexExprs.mul;
import static io.jitflow.passes.fusion.IndexExprs.size;
import static io.jitflow.passes.fusion.IndexExprs.sub;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.IrException;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.grad.OpBuilder;
import io.jitflow.ir.kernel.Buffer;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarFormulas;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.ir.ops.Movement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fusion: lowers a function to a kernel program. Elementwise and movement ops are inlined into
 * the expression of the value that consumes them, so a chain of them becomes one loop; a value
 * gets a buffer (and a kernel) only when it is an output, is used more than once, feeds a matmul
 * or scatter, or is the result of a reduction or matmul. Reductions absorb their producers;
 * a matmul absorbs a single-use elementwise chain after it as its epilogue (bias, activation).
 * A kernel's expression inlines at most {@link #MAX_FUSED_OPS} ops: a longer chain is cut into
 * several kernels with a buffer between, so generated methods stay small and every walk over an
 * expression stays shallow, however long the graph.
 */
public final class KernelLowering {
    /** The most ops one kernel's expression inlines (a matmul epilogue chain: half as many steps). */
    public static final int MAX_FUSED_OPS = 64;
    /** What each reduction op accumulates with (a mean is a sum divided afterwards). */
    private static final Map<Op, Kernel.Reducer> REDUCERS = Map.of(Op.REDUCE_SUM, Kernel.Reducer.SUM,
            Op.REDUCE_MEAN, Kernel.Reducer.SUM, Op.REDUCE_PROD, Kernel.Reducer.PROD, Op.REDUCE_MAX, Kernel.Reducer.MAX,
            Op.REDUCE_MIN, Kernel.Reducer.MIN, Op.REDUCE_ANY, Kernel.Reducer.ANY, Op.REDUCE_ALL, Kernel.Reducer.ALL);

    /** The most expression nodes in one kernel, its results together (multi-output kernels merge up to this). */
    public static final int MAX_KERNEL_NODES = 1024;

    private final Function function;
    private final InferenceContext context;
    /** Whether intermediates keep the reference's float64 where it computes in float64 (exact mode). */
    private final boolean exact;
    private final FusionPlan plan;
    private final Map<Value, Buffer> buffers = new LinkedHashMap<>();
    private final List<Buffer> allBuffers = new ArrayList<>();
    private final List<Kernel> kernels = new ArrayList<>();
    private final Map<String, Buffer> inputs = new LinkedHashMap<>();
    private final Map<String, Buffer> outputs = new LinkedHashMap<>();
    private final Map<String, Buffer> variableReads = new LinkedHashMap<>();
    private final Map<String, Buffer> variableWrites = new LinkedHashMap<>();
    /** For each value inlined so far (no buffer of its own), how many ops its expression inlines. */
    private final Map<Value, Integer> inlinedOps = new HashMap<>();

    /**
     * What building one kernel's expression carries along: the names of the nodes it inlines (for
     * the kernel's {@code fused} list), and values it does not compute but takes as given (inside a
     * matmul's epilogue, the matmul's own value, which is its accumulator rounded to its dtype).
     */
    private record Inlining(List<String> fused, Map<Value, Expr> given) {
        static Inlining into(List<String> fused) {
            return new Inlining(fused, Map.of());
        }
    }

    private KernelLowering(Function function, InferenceContext context, boolean exact) {
        this.function = function;
        this.context = context;
        this.exact = exact;
        this.plan = FusionPlan.of(function);
    }

    /**
     * The function as a kernel program, one kernel per value that needs a buffer and one buffer per
     * value, before sibling maps are merged ({@link SiblingMaps}) and buffers planned
     * ({@link BufferPlanning}); composite ops are expanded first. In {@code exact} mode every
     * intermediate the reference computes in float64 is kept in float64, so that code can sum in its
     * order and type; otherwise some are kept in the input's type (see {@link #lowerSoftmax}).
     */
    public static KernelProgram fuse(Function function, InferenceContext context, boolean exact) {
        return new KernelLowering(new io.jitflow.passes.ExpandComposites().run(function, context), context, exact)
                .run();
    }

    private KernelProgram run() {
        for (Value in : function.inputs()) {
            inputs.put(in.name(), bufferFor(in, Buffer.Kind.INPUT, in.name(), null));
        }
        for (Node n : function.nodes()) {
            lowerNode(n);
        }
        for (Function.Output o : function.outputs()) {
            outputs.put(o.name(), materialize(o.value()));
        }
        return new KernelProgram(function.name(), allBuffers, kernels, inputs, outputs, variableReads, variableWrites);
    }

    private Buffer bufferFor(Value v, Buffer.Kind kind, String name, HostTensor constant) {
        Buffer b = newBuffer(v.type(), kind, name, constant);
        buffers.put(v, b);
        return b;
    }

    private Buffer newBuffer(TensorType type, Buffer.Kind kind, String name, HostTensor constant) {
        Buffer b = new Buffer(allBuffers.size(), type, kind, name, constant);
        allBuffers.add(b);
        return b;
    }

    private void lowerNode(Node n) {
        switch (n.op()) {
            case READ_VARIABLE -> {
                String name = n.attributes().getString("name");
                Buffer b = variableReads.computeIfAbsent(name, k -> newBuffer(n.output().type(), Buffer.Kind.VARIABLE_READ, k, null));
                buffers.put(n.output(), b);
                return;
            }
            case ASSIGN_VARIABLE -> {
                String name = n.attributes().getString("name");
                Value v = n.inputs().get(0);
                Buffer computed = buffers.get(v);
                if (computed != null && computed.storage().kind() == Buffer.Kind.TEMP) {
                    // The value has a buffer of its own, written once in this run: it becomes the
                    // variable's new value as it is, without a copy.
                    variableWrites.put(name, computed);
                    return;
                }
                Buffer target = newBuffer(v.type(), Buffer.Kind.VARIABLE_WRITE, name, null);
                variableWrites.put(name, target);
                emitLoop(List.of(describe(n)), v.type().shape(), expr(v, identity(v.type().rank())), target);
                return;
            }
            case COND, WHILE, SCAN -> {
                lowerControl(n);
                return;
            }
            case CONSTANT -> {
                HostTensor value = n.attributes().getTensor("value");
                if (!FusionPlan.inlined(value)) {
                    bufferFor(n.output(), Buffer.Kind.CONSTANT, null, value);
                }
                return;
            }
            case RESHAPE, EXPAND_DIMS, SQUEEZE -> {
                Buffer source = buffers.get(n.inputs().get(0));
                if (source != null && (plan.needsBuffer(n.output()) || plan.isOutput(n.output()))) {
                    // The same elements in the same order: a view, no copy.
                    Buffer view = new Buffer(allBuffers.size(), n.output().type(), Buffer.Kind.VIEW, null, null, source);
                    allBuffers.add(view);
                    buffers.put(n.output(), view);
                    return;
                }
            }
        }
        // Any other value: computed in the kernel of the matmul whose epilogue ends at it, or inlined
        // into its consumers, with a kernel of its own when it needs a buffer.
        Value matmul = plan.matmulEndingAt(n.output());
        if (matmul != null) {
            Node product = plan.definition(matmul);
            if (product.op() == Op.MATMUL) {
                lowerMatmul(product, n.output());
            } else {
                lowerWindowed(product, n.output());
            }
            return;
        }
        inlineBounded(n);
        if (plan.needsBuffer(n.output()) || plan.isOutput(n.output())) {
            lowerComputed(n);
        }
    }

    /**
     * A control-flow op: its operands in buffers, a buffer per result, and each region lowered to a
     * program of its own (the kernel stages reach it through {@link KernelProgram#throughRegions}).
     */
    private void lowerControl(Node n) {
        List<Buffer> operands = n.inputs().stream().map(this::materialize).toList();
        List<Buffer> results = n.outputs().stream().map(v -> bufferFor(v, Buffer.Kind.TEMP, null, null)).toList();
        List<KernelProgram> regions = n.regions().stream().map(r -> fuse(r, context, exact)).toList();
        kernels.add(new Kernel.Control(List.of(describe(n)), n.op(), n.attributes(), operands, results, regions));
    }

    /**
     * Counts the ops {@code n}'s expression would inline and keeps the count within
     * {@link #MAX_FUSED_OPS}: while it is over, the largest inlined operand gets a buffer (a kernel
     * of its own) and is loaded instead.
     */
    private void inlineBounded(Node n) {
        List<Value> inlined = new ArrayList<>();
        int total = 1;
        for (Value operand : n.inputs()) {
            Integer ops = inlinedOps.get(operand);
            if (ops != null && !buffers.containsKey(operand) && !inlined.contains(operand)) {
                inlined.add(operand);
                total += ops;
            }
        }
        inlined.sort((a, b) -> inlinedOps.get(b) - inlinedOps.get(a));
        for (Value operand : inlined) {
            if (total <= MAX_FUSED_OPS) {
                break;
            }
            if (!plan.inEpilogue(operand)) {
                materialize(operand);
                total -= inlinedOps.remove(operand);
            }
        }
        for (Value v : n.outputs()) {
            inlinedOps.put(v, total);
        }
    }

    /** A buffer holding {@code v}, adding a copy kernel when it has none (an output that is inlined). */
    private Buffer materialize(Value v) {
        Buffer b = buffers.get(v);
        if (b != null) {
            return b;
        }
        Expr body = expr(v, identity(v.type().rank()));
        Buffer out = bufferFor(v, Buffer.Kind.TEMP, null, null);
        emitLoop(List.of(v.name()), v.type().shape(), body, out);
        return out;
    }

    /** The kernel that computes {@code n}'s value into a buffer of its own. */
    private void lowerComputed(Node n) {
        Value v = n.output();
        if (!n.op().has(Op.Trait.REDUCTION) && !n.op().has(Op.Trait.OWN_KERNEL)) {
            List<String> fused = new ArrayList<>();
            Expr body = expr(v, identity(v.type().rank()), Inlining.into(fused));
            Buffer out = bufferFor(v, Buffer.Kind.TEMP, null, null);
            kernels.add(Kernel.Map.of(fused, v.type().shape(), body, out));
            return;
        }
        switch (n.op()) {
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN, REDUCE_PROD, REDUCE_ANY, REDUCE_ALL -> {
                lowerReduction(n);
                return;
            }
            case ARGMAX, ARGMIN -> {
                lowerArg(n);
                return;
            }
            case MATMUL -> {
                lowerMatmul(n, v);
                return;
            }
            case SOFTMAX, LOG_SOFTMAX -> {
                lowerSoftmax(n);
                return;
            }
            case CONV, CONV_TRANSPOSE, MAX_POOL, AVG_POOL, MAX_POOL_GRAD, MAX_POOL_SELECT -> {
                lowerWindowed(n, v);
                return;
            }
            case SCATTER_ADD -> {
                Buffer out = bufferFor(v, Buffer.Kind.TEMP, null, null);
                int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), v.type().rank());
                int batchDims = io.jitflow.ir.ops.Indexing.batchDims(n.attributes(), n.inputs().get(1).type().rank());
                kernels.add(new Kernel.ScatterAdd(List.of(describe(n)), materialize(n.inputs().get(0)),
                        materialize(n.inputs().get(1)), materialize(n.inputs().get(2)), axis, batchDims, out));
                return;
            }
        }
        throw new IrException("fusion has no kernel for " + n.op().mnemonic());
    }

    private static String describe(Node n) {
        return n.outputs().isEmpty() ? n.op().mnemonic() : n.outputs().get(0).name();
    }

    private void emitLoop(List<String> fused, Shape space, Expr body, Buffer out) {
        kernels.add(Kernel.Map.of(fused, space, body, out));
    }


    // ---- reductions, matmul, softmax ----

    private void lowerReduction(Node n) {
        Value in = n.inputs().get(0);
        Value v = n.output();
        DType dtype = in.type().dtype();
        List<Integer> axes = OpBuilder.reducedAxes(in.type().rank(), n.attributes());
        List<String> fused = new ArrayList<>();
        Expr body = expr(in, identity(in.type().rank()), Inlining.into(fused));
        fused.add(0, v.name());
        Kernel.Reducer reducer = REDUCERS.get(n.op());
        DType accumulator = dtype.isFloating() ? DType.FLOAT64 : dtype.isBool() ? DType.BOOL : DType.INT64;
        Expr acc = new Expr.Acc(accumulator);
        if (n.op() == Op.REDUCE_MEAN) {
            Expr count = constant(1);
            for (int a : axes) {
                count = mul(count, size(in.type().shape().dim(a)));
            }
            acc = Expr.binary(ScalarOp.DIV, acc, Expr.cast(count, accumulator));
        }
        Buffer out = bufferFor(v, Buffer.Kind.TEMP, null, null);
        if (axes.isEmpty()) {
            // Nothing to fold (a scalar's reduction): each value is its own result.
            kernels.add(Kernel.Map.of(fused, in.type().shape(), body, out));
            return;
        }
        kernels.add(new Kernel.Reduce(fused, in.type().shape(), body, axes, reducer, accumulator,
                Expr.cast(acc, v.type().dtype()), out));
    }

    private void lowerArg(Node n) {
        Value in = n.inputs().get(0);
        int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), in.type().rank());
        List<String> fused = new ArrayList<>();
        Expr body = expr(in, identity(in.type().rank()), Inlining.into(fused));
        fused.add(0, n.output().name());
        Buffer out = bufferFor(n.output(), Buffer.Kind.TEMP, null, null);
        kernels.add(new Kernel.Reduce(fused, in.type().shape(), body, List.of(axis),
                n.op() == Op.ARGMAX ? Kernel.Reducer.ARGMAX : Kernel.Reducer.ARGMIN, DType.INT64,
                Expr.cast(new Expr.Acc(DType.INT64), n.output().type().dtype()), out));
    }

    /** A matmul writing {@code result}: the matmul's own value, or the end of its epilogue chain. */
    private void lowerMatmul(Node matmul, Value result) {
        DType dtype = matmul.output().type().dtype();
        DType accumulator = dtype.isFloating() ? DType.FLOAT64 : DType.INT64;
        Buffer a = materialize(matmul.inputs().get(0));
        Buffer b = materialize(matmul.inputs().get(1));
        List<String> fused = new ArrayList<>();
        fused.add(matmul.output().name());
        // The matmul's value inside the epilogue is the accumulator rounded to its dtype.
        Expr rounded = Expr.cast(new Expr.Acc(accumulator), dtype);
        Expr epilogue = result.equals(matmul.output()) ? rounded
                : expr(result, identity(result.type().rank()), new Inlining(fused, Map.of(matmul.output(), rounded)));
        Buffer out = bufferFor(result, Buffer.Kind.TEMP, null, null);
        kernels.add(new Kernel.Matmul(fused, a, b, matmul.attributes().getBool("transpose_a"),
                matmul.attributes().getBool("transpose_b"), accumulator, epilogue, out));
    }

    /**
     * A convolution or pooling writing {@code result}: its own value, or (a convolution) the end of
     * its epilogue chain; reductions over the output and the window (see {@link WindowKernels}).
     */
    private void lowerWindowed(Node n, Value result) {
        List<Buffer> operands = n.inputs().stream().map(this::materialize).toList();
        List<String> fused = new ArrayList<>(List.of(n.output().name()));
        Expr rounded = Expr.cast(new Expr.Acc(DType.FLOAT64), n.output().type().dtype());
        Expr epilogue = result.equals(n.output()) ? rounded
                : expr(result, identity(result.type().rank()), new Inlining(fused, Map.of(n.output(), rounded)));
        Buffer out = bufferFor(result, Buffer.Kind.TEMP, null, null);
        kernels.addAll(WindowKernels.lower(n, operands, out, fused, epilogue,
                (type, kind, constant) -> newBuffer(type, kind, null, constant)));
    }

    /**
     * Softmax in the reference's steps: the max, the exponentials, their sum, the result; each
     * exponential computed once, into a buffer that the sum and the result both read (with the
     * exponential inside both loops, the MNIST MLP's 128 x 10 softmax took 17.5 us in them against
     * 12 in the three). The buffer is float64, as the reference's exponentials, in exact mode and
     * for float64 inputs; a float32 input's are float32 otherwise, so that the CPU computes them in
     * vector lanes rather than one float64 {@code Math.exp} at a time (their sum stays float64).
     * Log-softmax reads its exponentials once, in the sum.
     */
    private void lowerSoftmax(Node n) {
        Value in = n.inputs().get(0);
        Shape shape = in.type().shape();
        int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), shape.rank());
        List<String> fused = new ArrayList<>();
        Expr x = Expr.cast(expr(in, identity(shape.rank()), Inlining.into(fused)), DType.FLOAT64);
        Shape kept = shape.withDim(axis, Dim.of(1));
        Buffer max = newBuffer(new TensorType(DType.FLOAT64, kept), Buffer.Kind.TEMP, null, null);
        kernels.add(new Kernel.Reduce(List.of(n.output().name() + ".max"), shape, x, List.of(axis), Kernel.Reducer.MAX,
                DType.FLOAT64, new Expr.Acc(DType.FLOAT64), max));
        List<Expr> keptIndex = identity(shape.rank());
        keptIndex.set(axis, constant(0));
        Expr shifted = Expr.binary(ScalarOp.SUB, x, new Expr.Load(max, keptIndex));
        Expr exp = Expr.unary(ScalarOp.EXP, shifted);
        if (n.op() == Op.SOFTMAX) {
            DType exponents = exact || in.type().dtype() != DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
            Buffer exps = newBuffer(new TensorType(exponents, shape), Buffer.Kind.TEMP, null, null);
            kernels.add(Kernel.Map.of(List.of(n.output().name() + ".exp"), shape, Expr.cast(exp, exponents), exps));
            exp = Expr.cast(new Expr.Load(exps, identity(shape.rank())), DType.FLOAT64);
        }
        Buffer sum = newBuffer(new TensorType(DType.FLOAT64, kept), Buffer.Kind.TEMP, null, null);
        kernels.add(new Kernel.Reduce(List.of(n.output().name() + ".sum"), shape, exp, List.of(axis),
                Kernel.Reducer.SUM, DType.FLOAT64, new Expr.Acc(DType.FLOAT64), sum));
        Expr total = new Expr.Load(sum, keptIndex);
        Expr value = n.op() == Op.SOFTMAX
                ? Expr.binary(ScalarOp.DIV, exp, total)
                : Expr.binary(ScalarOp.SUB, shifted, Expr.unary(ScalarOp.LOG, total));
        Buffer out = bufferFor(n.output(), Buffer.Kind.TEMP, null, null);
        fused.add(0, n.output().name());
        kernels.add(Kernel.Map.of(fused, shape, Expr.cast(value, in.type().dtype()), out));
    }

    // ---- expressions ----

    private Expr expr(Value v, List<Expr> coords) {
        return expr(v, coords, Inlining.into(new ArrayList<>()));
    }

    /** The value of {@code v} at {@code coords}, inlining producers without buffers; their names go to {@code inlining.fused()}. */
    private Expr expr(Value v, List<Expr> coords, Inlining inlining) {
        Expr given = inlining.given().get(v);
        if (given != null) {
            return given;
        }
        Buffer b = buffers.get(v);
        if (b != null) {
            return new Expr.Load(b, coords);
        }
        Node n = plan.definition(v);
        if (n == null) {
            throw new IrException("no buffer for input " + v);
        }
        if (!inlining.fused().contains(v.name())) {
            inlining.fused().add(v.name());
        }
        Attributes a = n.attributes();
        List<Value> in = n.inputs();
        Shape out = v.type().shape();
        if (n.op().has(Op.Trait.ELEMENTWISE)) {
            List<Expr> operands = new ArrayList<>();
            for (Value operand : in) {
                operands.add(expr(operand, broadcastCoords(operand.type().shape(), out, coords), inlining));
            }
            return ScalarFormulas.of(n.op(), a, operands, v.type().dtype());
        }
        // Creation and movement ops: a value computed from the coordinates, or an operand's value at
        // coordinates mapped from these.
        switch (n.op()) {
            case CONSTANT -> {
                HostTensor t = a.getTensor("value");
                return t.dtype().isFloating() ? Expr.Const.of(t.dtype(), t.getDouble(0))
                        : new Expr.Const(t.dtype(), 0, t.getLong(0));
            }
            case FILL -> {
                return expr(in.get(0), List.of(), inlining);
            }
            case RANGE -> {
                return Expr.cast(Expr.binary(ScalarOp.ADD, Expr.Const.of(DType.FLOAT64, a.getFloat("start")),
                        Expr.binary(ScalarOp.MUL, Expr.cast(coords.get(0), DType.FLOAT64),
                                Expr.Const.of(DType.FLOAT64, a.getFloat("delta")))), v.type().dtype());
            }
            case RANDOM_UNIFORM, RANDOM_NORMAL -> {
                boolean normal = n.op() == Op.RANDOM_NORMAL;
                return new Expr.Random(Expr.cast(IndexExprs.linearize(coords, out), DType.INT64), a.getInt("seed"), normal,
                        a.getFloat(normal ? "mean" : "minval"), a.getFloat(normal ? "stddev" : "maxval"), v.type().dtype());
            }
            case BROADCAST_TO -> {
                return expr(in.get(0), broadcastCoords(in.get(0).type().shape(), out, coords), inlining);
            }
            case RESHAPE -> {
                return expr(in.get(0), IndexExprs.delinearize(IndexExprs.linearize(coords, out), in.get(0).type().shape()),
                        inlining);
            }
            case EXPAND_DIMS -> {
                List<Expr> source = new ArrayList<>(coords);
                source.remove(Shape.normalizeAxis(a.getInt("axis"), out.rank()));
                return expr(in.get(0), source, inlining);
            }
            case SQUEEZE -> {
                return expr(in.get(0), squeezedCoords(a, in.get(0).type().shape(), coords), inlining);
            }
            case TRANSPOSE -> {
                int[] perm = Movement.permutation(a.has("perm") ? a.getInts("perm") : null, out.rank());
                Expr[] source = new Expr[perm.length];
                for (int i = 0; i < perm.length; i++) {
                    source[perm[i]] = coords.get(i);
                }
                return expr(in.get(0), List.of(source), inlining);
            }
            case SLICE -> {
                return expr(in.get(0), SliceMaps.sourceCoords(a, in.get(0).type().shape(), coords), inlining);
            }
            case SLICE_UPDATE -> {
                return SliceMaps.update(a, in.get(0).type().shape(), coords,
                        sourceCoords -> expr(in.get(1), sourceCoords, inlining), expr(in.get(0), coords, inlining));
            }
            case PAD -> {
                return PadMaps.pad(a, in.get(0), coords, c -> expr(in.get(0), c, inlining));
            }
            case TILE -> {
                List<Expr> source = new ArrayList<>();
                for (int d = 0; d < coords.size(); d++) {
                    source.add(IndexExprs.mod(coords.get(d), size(in.get(0).type().shape().dim(d))));
                }
                return expr(in.get(0), source, inlining);
            }
            case CONCAT -> {
                return concat(n, coords, inlining);
            }
            case GATHER -> {
                return gather(n, coords, inlining);
            }
            case ONE_HOT -> {
                return oneHot(n, coords, inlining);
            }
        }
        throw new IrException("fusion cannot inline " + n.op().mnemonic());
    }

    /** Coordinates in an operand broadcast to {@code out}: leading dims dropped, stretched dims at 0. */
    private static List<Expr> broadcastCoords(Shape operand, Shape out, List<Expr> coords) {
        List<Expr> result = new ArrayList<>();
        int offset = out.rank() - operand.rank();
        for (int d = 0; d < operand.rank(); d++) {
            boolean stretched = operand.dim(d).equals(Dim.of(1)) && !out.dim(d + offset).equals(Dim.of(1));
            result.add(stretched ? constant(0) : coords.get(d + offset));
        }
        return result;
    }

    /** Coordinates in squeeze's operand: 0 at the removed dims, the output's coordinates elsewhere. */
    private static List<Expr> squeezedCoords(Attributes a, Shape operand, List<Expr> coords) {
        boolean[] removed = new boolean[operand.rank()];
        if (a.has("axes")) {
            for (long axis : a.getInts("axes")) {
                removed[Shape.normalizeAxis(axis, operand.rank())] = true;
            }
        } else {
            for (int d = 0; d < operand.rank(); d++) {
                removed[d] = operand.dim(d).equals(Dim.of(1));
            }
        }
        List<Expr> result = new ArrayList<>();
        int next = 0;
        for (int d = 0; d < operand.rank(); d++) {
            result.add(removed[d] ? constant(0) : coords.get(next++));
        }
        return result;
    }

    private Expr concat(Node n, List<Expr> coords, Inlining inlining) {
        int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), n.output().type().rank());
        List<Value> parts = n.inputs();
        Expr result = null;
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Value p : parts) {
            offsets.add(offset);
            offset += p.type().shape().dim(axis).size();
        }
        for (int i = parts.size() - 1; i >= 0; i--) {
            List<Expr> shifted = new ArrayList<>(coords);
            shifted.set(axis, sub(coords.get(axis), constant(offsets.get(i))));
            Expr part = expr(parts.get(i), shifted, inlining);
            result = result == null ? part
                    : new Expr.Select(Expr.binary(ScalarOp.LT, coords.get(axis), constant(offsets.get(i + 1))), part, result);
        }
        return result;
    }

    private Expr gather(Node n, List<Expr> coords, Inlining inlining) {
        Value params = n.inputs().get(0);
        Value indices = n.inputs().get(1);
        int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), params.type().rank());
        int batchDims = io.jitflow.ir.ops.Indexing.batchDims(n.attributes(), indices.type().rank());
        int indexRank = indices.type().rank() - batchDims;
        List<Expr> indexCoords = new ArrayList<>(coords.subList(0, batchDims));
        indexCoords.addAll(coords.subList(axis, axis + indexRank));
        Expr index = IndexExprs.asIndex(expr(indices, indexCoords, inlining));
        Expr limit = size(params.type().shape().dim(axis));
        List<Expr> source = new ArrayList<>(coords.subList(0, axis));
        source.add(index);
        source.addAll(coords.subList(axis + indexRank, coords.size()));
        String message = "gather: index out of range [0, " + params.type().shape().dim(axis) + ") for axis " + axis;
        return new Expr.Check(IndexExprs.inRange(index, constant(0), limit), message, expr(params, source, inlining));
    }

    private Expr oneHot(Node n, List<Expr> coords, Inlining inlining) {
        Attributes a = n.attributes();
        Value indices = n.inputs().get(0);
        int rank = n.output().type().rank();
        int axis = a.getInt("axis") == -1 ? rank - 1 : (int) a.getInt("axis");
        List<Expr> indexCoords = new ArrayList<>(coords);
        Expr k = indexCoords.remove(axis);
        Expr index = Expr.cast(expr(indices, indexCoords, inlining), DType.INT64);
        DType dtype = n.output().type().dtype();
        Expr on = Expr.cast(Expr.Const.of(DType.FLOAT64, a.getFloat("on_value")), dtype);
        Expr off = Expr.cast(Expr.Const.of(DType.FLOAT64, a.getFloat("off_value")), dtype);
        return new Expr.Select(Expr.binary(ScalarOp.EQ, index, Expr.cast(k, DType.INT64)), on, off);
    }
}
