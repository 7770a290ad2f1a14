package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.UnsupportedKernelException;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.ProgramExecutable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA backend's PTX, run by the PTX interpreter, against the reference interpreter bit for
 * bit: every elementwise op and dtype it supports (with broadcasting, NaN, infinities and signed
 * zeros), sum reductions with a symbolic dim, and a clear error for what it does not support yet.
 */
class PtxDifferentialTest {
    @Test
    void everySupportedCaseMatchesTheReference() {
        List<PtxCases.PtxCase> cases = PtxCases.all().supported();
        for (PtxCases.PtxCase c : cases) {
            checkOnPtx(c.graph(), c.inputs(), c.name());
        }
        assertTrue(cases.size() >= 160, "only " + cases.size() + " cases ran");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "INT32", "INT64"})
    void sumReductionsOverASymbolicDimMatchTheReference(DType dtype) {
        Map<String, HostTensor> inputs = Map.of("x", RandomTensors.of(dtype, new int[] {45, 7}, new Random(3), -1000, 1000, true));
        checkOnPtx(rowSums(dtype), inputs, "reduce_sum " + dtype);
    }

    /** y = reduce_sum(x, axes [1]) for x : dtype[batch, 7]. */
    static Function rowSums(DType dtype) {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", new TensorType(dtype, Shape.of(io.jitflow.ir.Dim.named("batch"), io.jitflow.ir.Dim.of(7))));
        return fb.output("y", fb.add(Op.REDUCE_SUM, Attributes.builder().putInts("axes", 1).build(), x)).build();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "INT32", "INT64"})
    void batchedTransposedMatmulsWithAnEpilogueMatchTheReference(DType dtype) {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Function f = matmulWithEpilogue(dtype, ta, tb);
                Random random = new Random(ta ? 1 : 2);
                Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
                for (Value in : f.inputs()) {
                    inputs.put(in.name(), RandomTensors.of(dtype, in.type().shape().sizes(), random, -50, 50, false));
                }
                checkOnPtx(f, inputs, "matmul " + dtype + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    /**
     * Matmuls larger than a tile in every direction, with partial tiles at the edges and sums over
     * several tiles of p, on more tiles than blocks, in both layouts of each operand.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "INT32", "FLOAT16"})
    void tiledMatmulsAcrossPartialTilesMatchTheReference(DType dtype) {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
                Value a = fb.input("a", TensorType.of(dtype, ta ? new int[] {37, 35} : new int[] {35, 37}));
                Value b = fb.input("b", TensorType.of(dtype, tb ? new int[] {19, 37} : new int[] {37, 19}));
                Function f = fb.output("y", fb.add(Op.MATMUL, Attributes.builder().put("transpose_a", ta)
                        .put("transpose_b", tb).build(), a, b)).build();
                Random random = new Random(ta ? 3 : 4);
                Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
                for (Value in : f.inputs()) {
                    inputs.put(in.name(), RandomTensors.of(dtype, in.type().shape().sizes(), random, -8, 8, false));
                }
                checkOnPtx(f, inputs, "tiled matmul " + dtype + " ta=" + ta + " tb=" + tb);
            }
        }
    }

    /**
     * Products with at least 2^18 outputs in rows and columns of at least 64, where each thread
     * computes a 4 x 4 register tile of a 64 x 64 block tile: partial tiles in rows, columns and
     * depth, transposed operands, an epilogue; and a convolution's implicit GEMM. Bit for bit, as
     * the one-output-per-thread kernel; and ptxas assembles them.
     */
    @Test
    void registerTiledProductsMatchTheReference(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        for (Function f : registerTiledProducts()) {
            String ptx = PtxGenerator.module(Compiled.lower(f, InferenceContext.NO_VARIABLES)).ptx();
            // A float64 accumulator's 64 x 16 tile of A: 8,192 bytes (a 16 x 16 tile has 2,048).
            assertTrue(ptx.contains("tile_a[8192]"), f.name() + " uses 4 x 4 register tiles:\n" + ptx);
            if (PtxAssemblyTest.onPath("ptxas")) {
                java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve(f.name() + ".ptx"), ptx);
                PtxAssemblyTest.assemble(file, "sm_90");
            }
            checkOnPtx(f, randomInputs(f, new Random(f.name().hashCode())), f.name());
        }
    }

    /**
     * Outside exact mode float32 products are summed in float32 with fused multiply-adds, as the
     * CPU's default mode sums them: within {@link #FAST_PRODUCTS} of the reference, on the
     * one-output kernel and on register tiles (a matmul's and a convolution's).
     */
    @Test
    void fastProductsSumInFloat32WithFusedMultiplyAdds() {
        for (Function f : fastProducts()) {
            KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
            String ptx = PtxGenerator.module(program, io.jitflow.cuda.PtxTarget.DEFAULT, false).ptx();
            assertTrue(ptx.contains("fma.rn.f32") && !ptx.contains("mul.rn.f64"), ptx);
            Differential.check(Graph.of(List.of(), List.of(f)), f, randomInputs(f, new Random(7)), "fast " + f.name(),
                    PtxDifferentialTest::runDefaultModeOnPtx, FAST_PRODUCTS);
        }
    }

    /** Products in the default mode: one output per thread (@f), and register-tiled (@matmul, @conv). */
    static List<Function> fastProducts() {
        List<Function> products = new java.util.ArrayList<>(List.of(matmulWithEpilogue(DType.FLOAT32, false, true)));
        products.addAll(registerTiledProducts());
        return products;
    }

    /** How far float32 sums of products with fused multiply-adds may be from the reference's float64 sums. */
    static final Differential.Tolerance FAST_PRODUCTS = new Differential.Tolerance(0, 1e-5);

    /** A matmul (both operands transposed, bias and relu after it) and a convolution, register-tiled. */
    static List<Function> registerTiledProducts() {
        FunctionBuilder mb = new FunctionBuilder("matmul", InferenceContext.NO_VARIABLES);
        Value a = mb.input("a", TensorType.of(DType.FLOAT32, 17, 513));
        Value b = mb.input("b", TensorType.of(DType.FLOAT32, 514, 17));
        Value bias = mb.input("bias", TensorType.of(DType.FLOAT32, 514));
        Value product = mb.add(Op.MATMUL, Attributes.builder().put("transpose_a", true).put("transpose_b", true).build(),
                a, b);
        Function matmul = mb.output("y", mb.add(Op.RELU, Attributes.empty(), mb.add(Op.ADD, Attributes.empty(), product,
                bias))).build();
        FunctionBuilder cb = new FunctionBuilder("conv", InferenceContext.NO_VARIABLES);
        Value x = cb.input("x", TensorType.of(DType.FLOAT32, 1, 66, 64, 1));
        Value w = cb.input("w", TensorType.of(DType.FLOAT32, 2, 2, 1, 65));
        Function conv = cb.output("y", cb.add(Op.CONV, Attributes.empty(), x, w)).build();
        return List.of(matmul, conv);
    }

    static Map<String, HostTensor> randomInputs(Function f, Random random) {
        Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
        for (Value in : f.inputs()) {
            inputs.put(in.name(), RandomTensors.of(in.type().dtype(), in.type().shape().sizes(), random, -8, 8, false));
        }
        return inputs;
    }

    /**
     * Reductions over large or symbolic extents, which a whole block reduces per output point with
     * warp shuffles and shared memory: exact for integers, bools, max and min (NaN and infinities
     * among the floats); float sums and means combine partial sums in another order, so they are
     * held to a bound instead: two ulps of the result plus 1e-13 of the sum of magnitudes.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64", "FLOAT16", "INT32", "INT64", "UINT8", "BOOL"})
    void blockReductionsMatchTheReference(DType dtype) {
        io.jitflow.ir.Dim batch = io.jitflow.ir.Dim.named("batch");
        record Case(Shape declared, int[] actual, long[] axes) {
        }
        List<Case> cases = List.of(new Case(Shape.of(300, 5), new int[] {300, 5}, new long[] {0}),
                new Case(Shape.of(70, 80), new int[] {70, 80}, new long[] {0, 1}),
                new Case(Shape.of(batch, io.jitflow.ir.Dim.of(3)), new int[] {100, 3}, new long[] {0}));
        List<Op> ops = dtype == DType.BOOL ? List.of(Op.REDUCE_ANY, Op.REDUCE_ALL)
                : dtype.isFloating() ? List.of(Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_SUM, Op.REDUCE_MEAN)
                : List.of(Op.REDUCE_SUM, Op.REDUCE_PROD, Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_MEAN);
        Random random = new Random(dtype.ordinal());
        for (Case c : cases) {
            for (Op op : ops) {
                FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
                Value x = fb.input("x", new TensorType(dtype, c.declared()));
                Function f = fb.output("y", fb.add(op, Attributes.builder().putInts("axes", c.axes()).build(), x)).build();
                KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
                assertTrue(io.jitflow.cuda.LaunchPlan.reducesPerBlock(program.kernels().get(0)),
                        "reduced by a block: " + program);
                boolean exact = !dtype.isFloating() || op == Op.REDUCE_MAX || op == Op.REDUCE_MIN;
                HostTensor input = dtype == DType.BOOL ? RandomTensors.of(dtype, c.actual(), random, 0, 1, false)
                        : RandomTensors.of(dtype, c.actual(), random, -100, 100, exact && dtype.isFloating());
                String what = op.mnemonic() + " " + dtype + " over " + c.declared() + " axes " + java.util.Arrays.toString(c.axes());
                if (exact) {
                    checkOnPtx(f, Map.of("x", input), what);
                    continue;
                }
                HostTensor expected = io.jitflow.ir.Interpreter.run(f, Map.of("x", input), new VariableStore()).get("y");
                HostTensor actual = runOnPtx(f, InferenceContext.NO_VARIABLES, Map.of("x", input), new VariableStore()).get("y");
                double magnitudes = 0;
                for (int i = 0; i < input.size(); i++) {
                    magnitudes += Math.abs(input.getDouble(i));
                }
                if (op == Op.REDUCE_MEAN) {
                    magnitudes /= input.size() / expected.size();
                }
                for (int i = 0; i < expected.size(); i++) {
                    double e = expected.getDouble(i);
                    double bound = 2 * (dtype == DType.FLOAT64 ? Math.ulp(e) : dtype == DType.FLOAT32 ? Math.ulp((float) e)
                            : Math.ulp(io.jitflow.ir.Float16.toFloat(io.jitflow.ir.Float16.fromDouble(e))) * 8192) + 1e-13 * magnitudes;
                    assertTrue(Math.abs(actual.getDouble(i) - e) <= bound, what + ": element " + i + " is "
                            + actual.getDouble(i) + ", the reference gives " + e);
                }
            }
        }
    }

    /** relu(matmul(a, b) + bias), a : [2, 1, 5, 4] and b : [3, 4, 6] (either transposed), so batch dims broadcast. */
    static Function matmulWithEpilogue(DType dtype, boolean ta, boolean tb) {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value a = fb.input("a", TensorType.of(dtype, ta ? new int[] {2, 1, 4, 5} : new int[] {2, 1, 5, 4}));
        Value b = fb.input("b", TensorType.of(dtype, tb ? new int[] {3, 6, 4} : new int[] {3, 4, 6}));
        Value bias = fb.input("bias", TensorType.of(dtype, 6));
        Value product = fb.add(Op.MATMUL, Attributes.builder().put("transpose_a", ta).put("transpose_b", tb).build(), a, b);
        return fb.output("y", fb.add(Op.RELU, Attributes.empty(), fb.add(Op.ADD, Attributes.empty(), product, bias))).build();
    }

    @Test
    void theLinearExampleMatchesNumPysResult() throws Exception {
        io.jitflow.ir.Graph g = io.jitflow.text.GraphFiles.read(Repository.examples().resolve("graphs/linear.jfg"));
        java.nio.file.Path data = Repository.examples().resolve("data/linear");
        Map<String, HostTensor> inputs = Map.of("x", io.jitflow.ir.npy.Npy.read(data.resolve("x.npy")),
                "W", io.jitflow.ir.npy.Npy.read(data.resolve("W.npy")), "b", io.jitflow.ir.npy.Npy.read(data.resolve("b.npy")));
        checkOnPtx(g.functions().get(0), inputs, "linear.jfg");
        KernelProgram program = Compiled.lower(g.functions().get(0), InferenceContext.NO_VARIABLES);
        HostTensor y = new ProgramExecutable(program, new PtxExecution(program, PtxGenerator.module(program)))
                .run(inputs, new VariableStore()).get("y");
        assertEquals(io.jitflow.ir.npy.Npy.read(data.resolve("expected_y.npy")), y);
    }

    private static void checkOnPtx(Function f, Map<String, HostTensor> inputs, String what) {
        checkOnPtx(Graph.of(List.of(), List.of(f)), inputs, what);
    }

    /**
     * The graph's function on the PTX interpreter: the same outputs and variable updates as the
     * reference, bit for bit, or the same kind of run-time error.
     */
    private static void checkOnPtx(Graph graph, Map<String, HostTensor> inputs, String what) {
        Differential.check(graph, graph.functions().get(0), inputs, what, PtxDifferentialTest::runOnPtx,
                PtxCases.tolerance(Compiled.lower(graph.functions().get(0), graph.inferenceContext())));
    }

    static Map<String, HostTensor> runOnPtx(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                            VariableStore variables) {
        return runOnPtx(f, context, inputs, variables, true);
    }

    /** The default mode's PTX on the interpreter (float32 products summed in float32 with FMAs). */
    static Map<String, HostTensor> runDefaultModeOnPtx(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                                       VariableStore variables) {
        return runOnPtx(f, context, inputs, variables, false);
    }

    private static Map<String, HostTensor> runOnPtx(Function f, InferenceContext context, Map<String, HostTensor> inputs,
                                                    VariableStore variables, boolean exact) {
        KernelProgram program = Compiled.lower(f, context);
        return new ProgramExecutable(program, new PtxExecution(program, PtxGenerator.module(program,
                io.jitflow.cuda.PtxTarget.DEFAULT, exact))).run(inputs, variables);
    }

    /** q = floor_div(x, y) for int32[3] operands. */
    static Function integerFloorDiv() {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", TensorType.of(DType.INT32, 3));
        Value y = fb.input("y", TensorType.of(DType.INT32, 3));
        return fb.output("q", fb.add(Op.FLOOR_DIV, Attributes.empty(), x, y)).build();
    }

    @Test
    void aZeroDivisorIsReportedThroughTheStatusWord() {
        Function f = integerFloorDiv();
        KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
        ProgramExecutable onPtx = new ProgramExecutable(program, new PtxExecution(program, PtxGenerator.module(program)));
        Map<String, HostTensor> fine = Map.of("x", HostTensor.of(new int[] {7, -7, Integer.MIN_VALUE}, 3),
                "y", HostTensor.of(new int[] {2, 2, -1}, 3));
        assertEquals(HostTensor.of(new int[] {3, -4, Integer.MIN_VALUE}, 3), onPtx.run(fine, new VariableStore()).get("q"));
        EvaluationException e = assertThrows(EvaluationException.class, () -> onPtx.run(Map.of("x", HostTensor.of(
                new int[] {1, 2, 3}, 3), "y", HostTensor.of(new int[] {1, 0, 1}, 3)), new VariableStore()));
        assertEquals("floor_div: integer division by zero", e.getMessage());
    }

    /**
     * random_uniform and random_normal on the PTX interpreter equal the CPU backend bit for bit (both
     * run Philox4x32-10 on the element's index, and the normal's log and cos are the same operations),
     * in float32 and float64, with seeds that use both key words, fused into an elementwise consumer.
     */
    @Test
    void randomNumbersAreBitIdenticalToTheCpuBackend() {
        Graph graph = PtxCases.noise();
        Function f = graph.functions().get(0);
        Map<String, HostTensor> inputs = PtxCases.noiseInputs();
        Map<String, HostTensor> onCpu = Compiled.run(f, graph.inferenceContext(), inputs, new VariableStore());
        Map<String, HostTensor> onPtx = runOnPtx(f, graph.inferenceContext(), inputs, new VariableStore());
        Differential.assertSame(onCpu.get("y"), onPtx.get("y"), "float32 noise");
        Differential.assertSame(onCpu.get("z"), onPtx.get("z"), "float64 noise");
        Differential.assertSame(onCpu.get("n"), onPtx.get("n"), "float32 normal noise");
        Differential.assertSame(onCpu.get("m"), onPtx.get("m"), "float64 normal noise");
        checkOnPtx(graph, inputs, "random_uniform and random_normal");
    }

    /**
     * cond, while and scan (all_ops.jfg's @control, nested regions, a symbolic scan length): the
     * host loop over each region's own PTX module, run by the interpreter, equals the reference.
     */
    @Test
    void controlFlowRunsItsRegionsPtxOnTheHost() throws java.io.IOException {
        for (String variant : List.of("original", "float64")) {
            Graph g = CompiledOpsTest.allOpsGraphs(variant).stream()
                    .filter(x -> x.functions().get(0).name().equals("control")).findFirst().orElseThrow();
            Function f = g.functions().get(0);
            io.jitflow.runtime.cuda.CudaCode code = PtxGenerator.module(Compiled.lower(f, g.inferenceContext()));
            assertTrue(code.launches().stream().filter(io.jitflow.runtime.cuda.CudaCode.Launch::onHost).count() == 3,
                    "cond, while and scan run on the host");
            assertEquals(5, code.regions().size(), "then, else, cond, body and the scan's body");
            for (int seed = 0; seed < 3; seed++) {
                checkOnPtx(g, CompiledOpsTest.allOpsInputs(f, variant + seed), "@control as " + variant + ", seed " + seed);
            }
        }
    }

    @Test
    void unsupportedKernelsAreRefusedByName() {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        Value x = fb.input("x", new TensorType(DType.FLOAT64, Shape.of(io.jitflow.ir.Dim.named("n"))));
        Function f = fb.output("y", fb.add(Op.ARGMAX, Attributes.builder().put("axis", 0).build(), x)).build();
        KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class, () -> PtxGenerator.generate(program));
        assertEquals("kernel 0 (%0) of @f: the CUDA backend does not support argmax over an axis that may be empty yet",
                e.getMessage());
    }

    /** A kernel whose buffers' addresses would not fit the 4 KB every target gives parameters is refused by name. */
    @Test
    void kernelsWithTooManyBuffersAreRefusedByName() {
        FunctionBuilder fb = new FunctionBuilder("wide", InferenceContext.NO_VARIABLES);
        TensorType t = new TensorType(DType.FLOAT32, Shape.of(4));
        Value[] parts = new Value[520];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = fb.input("x" + i, t);
        }
        Function f = fb.output("y", fb.add(Op.CONCAT, Attributes.builder().put("axis", 0).build(), parts)).build();
        KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class, () -> PtxGenerator.generate(program));
        assertTrue(e.getMessage().contains("of @wide: the CUDA backend does not support kernels with more than 4096 bytes of "
                + "parameters (5"), e.getMessage());
    }

    /**
     * scatter_add along axis 1 with a batch dim, repeated indices (their updates add in order) and a
     * trailing dim, in four dtypes; an index out of range is reported as on the CPU.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT16", "INT32", "UINT8"})
    void scatterAddMatchesTheReference(DType dtype) {
        String t = dtype.text();
        Graph graph = io.jitflow.text.GraphParser.parse("jitflow 1 opset 1\n"
                + "func @s(%x : " + t + "[2, 5, 3], %i : int32[2, 4], %u : " + t + "[2, 4, 3]) -> (y : " + t + "[2, 5, 3]) {\n"
                + "  %y = scatter_add(%x, %i, %u) {axis = 1, batch_dims = 1} : " + t + "[2, 5, 3]\n"
                + "  return %y\n}\n", "scatter.jfg");
        Random random = new Random(8);
        Map<String, HostTensor> inputs = Map.of("x", RandomTensors.of(dtype, new int[] {2, 5, 3}, random, -9, 9, false),
                "i", HostTensor.of(new int[] {4, 0, 4, 4, 1, 1, 2, 3}, 2, 4),
                "u", RandomTensors.of(dtype, new int[] {2, 4, 3}, random, -9, 9, false));
        checkOnPtx(graph, inputs, "scatter_add " + dtype);
        Map<String, HostTensor> bad = new java.util.HashMap<>(inputs);
        bad.put("i", HostTensor.of(new int[] {4, 0, 5, 4, 1, 1, 2, 3}, 2, 4));
        assertThrows(EvaluationException.class, () -> runOnPtx(graph.functions().get(0), graph.inferenceContext(), bad,
                new VariableStore()));
    }

    /**
     * A float32 map moves four elements per load and store when its point count is a multiple of
     * four, and falls back to one at a time otherwise: both paths, from one symbolic-shape kernel.
     */
    @Test
    void mapsUseVectorLoadsWhenTheCountAllows() {
        Graph graph = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @m(%x : float32[n, 3], %y : float32[n, 3]) -> (z : float32[n, 3]) {
                  %p = mul(%x, %y) : float32[n, 3]
                  %z = add(%p, %x) : float32[n, 3]
                  return %z
                }
                """, "vector.jfg");
        KernelProgram program = Compiled.lower(graph.functions().get(0), graph.inferenceContext());
        String ptx = PtxGenerator.generate(program);
        assertTrue(ptx.contains("ld.global.v4.f32") && ptx.contains("st.global.v4.f32"), ptx);
        for (int n : new int[] {4, 5, 12}) {
            Random random = new Random(n);
            checkOnPtx(graph, Map.of("x", RandomTensors.of(DType.FLOAT32, new int[] {n, 3}, random, -5, 5, true),
                    "y", RandomTensors.of(DType.FLOAT32, new int[] {n, 3}, random, -5, 5, true)), "vector map, n = " + n);
        }
    }

    /** A barrier only some threads reach, and a block size other than the entry requires, are errors. */
    @Test
    void theInterpreterChecksBarriersAndBlockSizes() {
        String ptx = ".version 7.0\n.target sm_70\n.address_size 64\n.visible .entry k(\n    .param .u64 a)\n"
                + "    .reqntid 64, 1, 1\n{\n    .reg .pred %p<2>;\n    .reg .b32 %r<2>;\n    mov.u32 %r1, %tid.x;\n"
                + "    setp.lt.u32 %p1, %r1, 32;\n    @%p1 bra DONE;\n    bar.sync 0;\nDONE:\n    ret;\n}\n";
        PtxInterpreter interpreter = new PtxInterpreter(ptx);
        IllegalArgumentException divergent = assertThrows(IllegalArgumentException.class,
                () -> interpreter.launch("k", new byte[][] {new byte[8]}, 1, 64, new PtxInterpreter.Memory()));
        assertEquals("PTX line 13 (bar.sync 0): block 0: 32 threads exited while 32 wait at this barrier",
                divergent.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> interpreter.launch("k", new byte[][] {new byte[8]}, 1, 32, new PtxInterpreter.Memory()));
        assertEquals("k requires blocks of 64 threads (.reqntid), got 32", size.getMessage());
    }

    @Test
    void theInterpreterRefusesWhatItDoesNotModel() {
        String ptx = ".version 7.0\n.target sm_70\n.address_size 64\n.visible .entry k(\n    .param .u64 a)\n{\n"
                + "    .reg .f32 %f<3>;\n    ex2.approx.f32 %f1, %f2;\n    ret;\n}\n";
        PtxInterpreter interpreter = new PtxInterpreter(ptx);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> interpreter.launch("k", new byte[][] {new byte[8]}, 1, 1, new PtxInterpreter.Memory()));
        assertEquals("PTX line 8 (ex2.approx.f32 %f1, %f2): instruction not supported by the PTX interpreter", e.getMessage());
    }
}
