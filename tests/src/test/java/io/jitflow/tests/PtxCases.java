package io.jitflow.tests;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.UnsupportedKernelException;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.kernel.KernelProgram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The programs the CUDA backend is checked on: all_ops.jfg's functions in seven dtype variants (the
 * CPU backend's cases, with variables), the fusion golden files (multi-output maps, epilogues,
 * planned buffers), every elementwise op and dtype (CompiledOpsTest's cases, with their inputs),
 * every reduction in five dtypes (NaN among the floats), sum reductions over a symbolic dim and
 * batched matmuls with an epilogue in four dtypes; each lowered and, where the backend supports
 * it, compiled to PTX.
 */
final class PtxCases {
    /** A supported case: its function, kernel program, PTX and seeded inputs. */
    record PtxCase(String name, Graph graph, Function function, KernelProgram program, io.jitflow.runtime.cuda.CudaCode module,
                   Map<String, HostTensor> inputs) {
        String ptx() {
            return module.ptx();
        }
    }

    /** The supported cases, and by name why each other case is not supported. */
    record All(List<PtxCase> supported, Map<String, String> unsupported) {
    }

    private PtxCases() {
    }

    /**
     * How far a CUDA result may be from the reference: exact for exact arithmetic; {@link #MATH_LIBRARY}
     * where a kernel calls a math library routine (the CPU's {@code Math} functions and the
     * backend's own are each within about one unit of the true value, and a fused chain can add to
     * that); {@link #REASSOCIATED} where a block reduces a float sum or product in another order.
     */
    static Differential.Tolerance tolerance(KernelProgram program) {
        Differential.Tolerance tolerance = Differential.Tolerance.EXACT;
        for (io.jitflow.ir.kernel.Kernel k : program.kernels()) {
            if (k instanceof io.jitflow.ir.kernel.Kernel.Reduce l && io.jitflow.cuda.LaunchPlan.reducesPerBlock(l)
                    && l.accumulator().isFloating() && (l.reducer() == io.jitflow.ir.kernel.Kernel.Reducer.SUM
                    || l.reducer() == io.jitflow.ir.kernel.Kernel.Reducer.PROD)) {
                tolerance = tolerance.orLooser(REASSOCIATED);
            }
        }
        return usesMathLibrary(program) ? tolerance.orLooser(MATH_LIBRARY) : tolerance;
    }

    static final Differential.Tolerance MATH_LIBRARY = new Differential.Tolerance(4, 0);
    static final Differential.Tolerance REASSOCIATED = new Differential.Tolerance(4, 1e-12);

    private static boolean usesMathLibrary(KernelProgram program) {
        boolean[] usesMath = {false};
        for (io.jitflow.ir.kernel.Kernel k : program.kernels()) {
            List<io.jitflow.ir.kernel.Expr> roots = new ArrayList<>();
            if (k instanceof io.jitflow.ir.kernel.Kernel.Map m) {
                m.results().forEach(r -> roots.add(r.body()));
            } else if (k instanceof io.jitflow.ir.kernel.Kernel.Reduce r) {
                roots.add(r.body());
                roots.add(r.epilogue());
            } else if (k instanceof io.jitflow.ir.kernel.Kernel.Matmul m) {
                roots.add(m.epilogue());
            }
            roots.stream().filter(java.util.Objects::nonNull).forEach(root -> io.jitflow.ir.kernel.Expr.walk(root, e -> {
                if (e instanceof io.jitflow.ir.kernel.Expr.Unary u && MATH_LIBRARY_OPS.contains(u.op())
                        || e instanceof io.jitflow.ir.kernel.Expr.Binary b && b.op() == io.jitflow.ir.kernel.ScalarOp.POW
                        && b.dtype().isFloating()) {
                    usesMath[0] = true;
                }
            }));
        }
        return usesMath[0];
    }

    /** random_uniform and random_normal in float32 (fused into an add; seeds using both key words) and float64. */
    static Graph noise() {
        return io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @noise(%x : float32[3, 700]) -> (y : float32[3, 700], z : float64[5, 300], n : float32[40, 50], m : float64[2000]) {
                  %u = random_uniform() {seed = 81985529216486895, shape = [3, 700], minval = -2.0, maxval = 5.0} : float32[3, 700]
                  %y = add(%x, %u) : float32[3, 700]
                  %z = random_uniform() {seed = 7, shape = [5, 300], dtype = float64} : float64[5, 300]
                  %n = random_normal() {seed = 3, shape = [40, 50], mean = 1.0, stddev = 2.0} : float32[40, 50]
                  %m = random_normal() {seed = 81985529216486895, shape = [2000], dtype = float64} : float64[2000]
                  return %y, %z, %n, %m
                }
                """, "noise.jfg");
    }

    /** gather along both axes of a matrix, fused into a consumer; indices checked against the axis. */
    static Graph gathers() {
        return io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @pick(%p : float32[5, 4], %rows : int32[3], %cols : int32[6]) -> (r : float32[3, 4], c : float32[5, 6]) {
                  %g = gather(%p, %rows) {axis = 0} : float32[3, 4]
                  %r = mul(%g, %g) : float32[3, 4]
                  %c = gather(%p, %cols) {axis = 1} : float32[5, 6]
                  return %r, %c
                }
                """, "gathers.jfg");
    }

    static Map<String, HostTensor> noiseInputs() {
        return Map.of("x", RandomTensors.of(DType.FLOAT32, new int[] {3, 700}, new Random(5), -1, 1, false));
    }

    private static final java.util.Set<io.jitflow.ir.kernel.ScalarOp> MATH_LIBRARY_OPS = java.util.EnumSet.of(
            io.jitflow.ir.kernel.ScalarOp.EXP, io.jitflow.ir.kernel.ScalarOp.EXPM1, io.jitflow.ir.kernel.ScalarOp.LOG,
            io.jitflow.ir.kernel.ScalarOp.LOG1P, io.jitflow.ir.kernel.ScalarOp.TANH, io.jitflow.ir.kernel.ScalarOp.ERF,
            io.jitflow.ir.kernel.ScalarOp.NORMAL_CDF,
            io.jitflow.ir.kernel.ScalarOp.SIN, io.jitflow.ir.kernel.ScalarOp.COS);

    static All all() {
        List<PtxCase> supported = new ArrayList<>();
        Map<String, String> unsupported = new TreeMap<>();
        for (String variant : CompiledOpsTest.dtypeVariants().toList()) {
            for (Graph g : allOpsGraphs(variant)) {
                Function fn = g.functions().get(0);
                add("all_ops.jfg @" + fn.name() + " as " + variant, g, CompiledOpsTest.allOpsInputs(fn, variant), supported,
                        unsupported);
            }
        }
        try {
            for (java.nio.file.Path file : FusionGoldenTest.files().toList()) {
                Graph g = FusionGoldenTest.parse(file);
                add("fusion/" + file.getFileName(), g, FusionGoldenTest.inputs(g, file), supported, unsupported);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        add("random_uniform", noise(), noiseInputs(), supported, unsupported);
        Map<String, HostTensor> picks = Map.of("p", RandomTensors.of(DType.FLOAT32, new int[] {5, 4}, new Random(6), -9, 9, true),
                "rows", HostTensor.of(new int[] {4, 0, 4}, 3), "cols", HostTensor.of(new int[] {3, 3, 0, 1, 2, 3}, 6));
        add("gather", gathers(), picks, supported, unsupported);
        add("gather out of range", gathers(), Map.of("p", picks.get("p"), "rows", HostTensor.of(new int[] {1, 5, 0}, 3),
                "cols", picks.get("cols")), supported, unsupported);
        CompiledOpsTest.elementwiseCases().forEach(c -> add(c.toString(), CompiledOpsTest.function(c), CompiledOpsTest.inputs(c),
                supported, unsupported));
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64, DType.UINT8)) {
            for (Op op : List.of(Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_PROD, Op.REDUCE_MEAN, Op.ARGMAX, Op.ARGMIN)) {
                add(op.mnemonic() + " " + dtype, reduction(op, dtype), Map.of("x", RandomTensors.of(dtype, new int[] {6, 7},
                        new Random(op.ordinal()), -20, 20, true)), supported, unsupported);
            }
        }
        for (Op op : List.of(Op.REDUCE_ANY, Op.REDUCE_ALL)) {
            add(op.mnemonic(), reduction(op, DType.BOOL), Map.of("x", RandomTensors.of(DType.BOOL, new int[] {6, 7},
                    new Random(op.ordinal()), 0, 1, false)), supported, unsupported);
        }
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)) {
            add("reduce_sum " + dtype, PtxDifferentialTest.rowSums(dtype), Map.of("x", RandomTensors.of(dtype,
                    new int[] {45, 7}, new Random(3), -1000, 1000, true)), supported, unsupported);
            for (boolean transposeA : new boolean[] {false, true}) {
                Function f = PtxDifferentialTest.matmulWithEpilogue(dtype, transposeA, !transposeA);
                Random random = new Random(transposeA ? 1 : 2);
                Map<String, HostTensor> inputs = new LinkedHashMap<>();
                for (Value in : f.inputs()) {
                    inputs.put(in.name(), RandomTensors.of(dtype, in.type().shape().sizes(), random, -50, 50, false));
                }
                add("matmul " + dtype + (transposeA ? " transposed a" : " transposed b"), f, inputs, supported, unsupported);
            }
        }
        return new All(supported, unsupported);
    }

    /** {@code op} over axis 1 of x : dtype[6, 7]. */
    private static Function reduction(Op op, DType dtype) {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", TensorType.of(dtype, 6, 7));
        boolean arg = op == Op.ARGMAX || op == Op.ARGMIN;
        Attributes attrs = arg ? Attributes.builder().put("axis", 1).build() : Attributes.builder().putInts("axes", 1).build();
        return fb.output("y", fb.add(op, attrs, x)).build();
    }

    private static List<Graph> allOpsGraphs(String variant) {
        try {
            return CompiledOpsTest.allOpsGraphs(variant);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void add(String name, Function f, Map<String, HostTensor> inputs, List<PtxCase> supported,
                            Map<String, String> unsupported) {
        add(name, Graph.of(List.of(), List.of(f)), inputs, supported, unsupported);
    }

    private static void add(String name, Graph graph, Map<String, HostTensor> inputs, List<PtxCase> supported,
                            Map<String, String> unsupported) {
        Function f = graph.functions().get(0);
        KernelProgram program = Compiled.lower(f, graph.inferenceContext());
        try {
            supported.add(new PtxCase(name, graph, f, program, PtxGenerator.module(program), inputs));
        } catch (UnsupportedKernelException e) {
            unsupported.put(name, e.getMessage());
        }
    }
}
