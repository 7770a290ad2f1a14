package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.ProgramExecutable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's Vector API path, which the launcher uses (the other tests run in exact mode,
 * scalar and bit-identical): every float elementwise case, all_ops.jfg's functions in float32 and
 * float64 and the fusion golden files, compiled with vector maps, checked by ASM's verifier and
 * run against the reference interpreter. Vector code computes float32 in float32 and takes its
 * transcendental functions from VectorMath (within 2 ulp), so it is held to 4 ulp, or 1e-6 of the
 * largest magnitude where one op's error is carried through others.
 */
class VectorPathTest {
    private static final Differential.Tolerance VECTOR_MATH = new Differential.Tolerance(4, 1e-6);
    private static final AtomicInteger VECTORIZED = new AtomicInteger();

    private static final Differential.Backend VECTOR = (f, context, inputs, variables) -> {
        KernelProgram program = Compiled.lower(f, context);
        byte[] bytes = CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST);
        Compiled.verify(bytes, program);
        if (new String(bytes, StandardCharsets.ISO_8859_1).contains("jdk/incubator/vector/")) {
            VECTORIZED.incrementAndGet();
        }
        return new ProgramExecutable(program, CpuCompiler.compile(program, io.jitflow.cpu.CpuCodeOptions.FAST)).run(inputs, variables);
    };

    @Test
    void theVectorApiIsPresentInTests() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "tests run with --add-modules jdk.incubator.vector");
    }

    static Stream<CompiledOpsTest.ElementwiseCase> floatCases() {
        return CompiledOpsTest.elementwiseCases().filter(c -> c.dtype() == DType.FLOAT32 || c.dtype() == DType.FLOAT64);
    }

    /**
     * The float32 max pool folds in float32 with the Vector API's MAX: the same bits as the
     * reference's Math.max in float64, NaN winning and -0.0 below 0.0, padding never winning (a
     * window of padding alone gives -inf), over channel counts below, at and above a vector's lanes,
     * windows of 6 and 9 taps.
     */
    @ParameterizedTest(name = "{0} channels")
    @org.junit.jupiter.params.provider.ValueSource(ints = {3, 16, 37})
    void maxPoolIsExactWithNanAndSignedZeros(int channels) {
        Function f = io.jitflow.text.GraphParser.parse(String.format("""
                jitflow 1 opset 2
                func @pool(%%x : float32[2, 5, 4, %d]) -> (y : float32[2, 4, 3, %d], z : float32[2, 3, 2, %d]) {
                  %%y = max_pool(%%x) {pads = [3, 1, 1, 1], strides = [2, 2], window = [3, 2]} : float32[2, 4, 3, %d]
                  %%z = max_pool(%%x) {pads = [1, 1, 1, 1], strides = [2, 2], window = [3, 3]} : float32[2, 3, 2, %d]
                  return %%y, %%z
                }
                """, channels, channels, channels, channels, channels), "pool.jfg").functions().get(0);
        float[] specials = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -1.5f, 2.25f};
        java.util.Random random = new java.util.Random(channels);
        float[] x = new float[2 * 5 * 4 * channels];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(3) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
        }
        Differential.check(Graph.of(List.of(), List.of(f)), f, Map.of("x", HostTensor.of(x, 2, 5, 4, channels)),
                "max_pool, " + channels + " channels (vector path)", VECTOR, Differential.Tolerance.EXACT);
    }

    /**
     * A max pool's gradient over windows that do not overlap finds each window's first largest tap
     * and passes the window's gradient to it directly (the kernel program shows both direct
     * kernels): the same bits as the reference's argmax and sum, in
     * exact and vector mode, with ties (the first largest tap wins), NaN, signed zeros (-0.0 becomes
     * 0.0, as the reference's sum makes it) and windows partly or wholly in the padding.
     */
    @ParameterizedTest(name = "{0} channels")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 16, 21})
    void maxPoolGradientsOfWindowsApartAreExact(int channels) {
        Function f = io.jitflow.text.GraphParser.parse(String.format("""
                jitflow 1 opset 2
                func @grad(%%x : float32[2, 6, 4, %d], %%dy : float32[2, 4, 3, %d]) -> (dx : float32[2, 6, 4, %d]) {
                  %%dx = max_pool_grad(%%x, %%dy) {pads = [1, 1, 1, 1], strides = [2, 2], window = [2, 2]} : float32[2, 6, 4, %d]
                  return %%dx
                }
                """, channels, channels, channels, channels), "grad.jfg").functions().get(0);
        String kernels = Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES).toString();
        assertTrue(kernels.contains("first largest taps") && kernels.contains("max pool gradient"), kernels);
        float[] specials = {Float.NaN, -0f, 0f, 1f, 1f, Float.NEGATIVE_INFINITY};
        java.util.Random random = new java.util.Random(channels);
        float[] x = new float[2 * 6 * 4 * channels];
        float[] dy = new float[2 * 4 * 3 * channels];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(2) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
        }
        for (int i = 0; i < dy.length; i++) {
            dy[i] = random.nextInt(3) == 0 ? specials[random.nextInt(specials.length)] : (float) random.nextGaussian();
        }
        Map<String, HostTensor> inputs = Map.of("x", HostTensor.of(x, 2, 6, 4, channels), "dy", HostTensor.of(dy, 2, 4, 3,
                channels));
        Graph g = Graph.of(List.of(), List.of(f));
        Differential.check(g, f, inputs, "max_pool_grad, " + channels + " channels (exact)");
        Differential.check(g, f, inputs, "max_pool_grad, " + channels + " channels (vector path)", VECTOR,
                Differential.Tolerance.EXACT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatCases")
    void floatElementwiseOpsMatchTheReference(CompiledOpsTest.ElementwiseCase c) {
        Function f = CompiledOpsTest.function(c);
        Differential.check(Graph.of(List.of(), List.of(f)), f, CompiledOpsTest.inputs(c), c + " (vector path)", VECTOR,
                VECTOR_MATH);
    }

    @ParameterizedTest(name = "all_ops.jfg as {0}")
    @MethodSource("floatVariants")
    void allOpsFunctionsMatchTheReference(String variant) throws IOException {
        for (Graph g : CompiledOpsTest.allOpsGraphs(variant)) {
            Function fn = g.functions().get(0);
            Differential.check(g, fn, CompiledOpsTest.allOpsInputs(fn, variant), "@" + fn.name() + " as " + variant
                    + " (vector path)", VECTOR, VECTOR_MATH);
        }
    }

    static Stream<String> floatVariants() {
        return Stream.of("original", "float64");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jitflow.tests.FusionGoldenTest#files")
    void fusionGoldenFilesMatchTheReference(Path file) {
        Graph g = FusionGoldenTest.parse(file);
        Differential.check(g, g.functions().get(0), FusionGoldenTest.inputs(g, file), file.getFileName() + " (vector path)",
                VECTOR, VECTOR_MATH);
    }

    /**
     * Convolutions large enough to run on every thread: many 288-point blocks of patches (a conv
     * and its transpose), and too few blocks to share (batch 1, 7x7: the whole patch matrix at once);
     * and smaller ones with uneven padding, strides and dilations over one and three channels, whose
     * patches are packed from tap 0's offset where the window lies inside the input and tap by tap
     * near its borders.
     */
    @Test
    void largeConvolutionsMatchTheReference() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[2, 24, 24, 32], %w : float32[3, 3, 32, 32], %s : float32[1, 7, 7, 96], %v : float32[3, 3, 96, 128], %g : float32[4, 30, 29, 1], %k : float32[3, 3, 1, 16], %g3 : float32[2, 17, 18, 3], %k3 : float32[2, 3, 3, 8]) -> (y : float32[2, 24, 24, 32], t : float32[2, 24, 24, 32], z : float32[1, 7, 7, 128], u : float32[4, 15, 29, 16], r : float32[2, 16, 9, 8]) {
                  %y = conv(%x, %w) {pads = [1, 1, 1, 1]} : float32[2, 24, 24, 32]
                  %t = conv_transpose(%y, %w) {pads = [1, 1, 1, 1]} : float32[2, 24, 24, 32]
                  %z = conv(%s, %v) {pads = [1, 1, 1, 1]} : float32[1, 7, 7, 128]
                  %u = conv(%g, %k) {pads = [1, 1, 2, 2], strides = [2, 1], dilations = [1, 2]} : float32[4, 15, 29, 16]
                  %r = conv(%g3, %k3) {pads = [0, 0, 1, 1], strides = [1, 2]} : float32[2, 16, 9, 8]
                  return %y, %t, %z, %u, %r
                }
                """, "large_convolutions.jfg");
        checkAgainstReference(g, "large convolutions", 3);
    }

    /**
     * Convolutions whose epilogue (a bias, a residual, relu) runs on each chunk of images as soon as a
     * thread has computed it: ten images of more than a block's points each, on every thread, with
     * padding (panels of rows inside the input gathered, the others copied row by row); float64 on
     * one thread; and small images taken eleven to a chunk.
     */
    @Test
    void convolutionEpiloguesRunImageByImage() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[10, 19, 19, 8], %w : float32[3, 3, 8, 32], %b : float32[32], %r : float32[10, 19, 19, 32], %xd : float64[9, 18, 18, 4], %wd : float64[3, 3, 4, 16], %bd : float64[16], %xs : float32[100, 7, 7, 8], %ws : float32[3, 3, 8, 16], %bs : float32[16]) -> (y : float32[10, 19, 19, 32], yd : float64[9, 16, 16, 16], ys : float32[100, 5, 5, 16]) {
                  %c = conv(%x, %w) {pads = [1, 1, 1, 1]} : float32[10, 19, 19, 32]
                  %a = add(%c, %b) : float32[10, 19, 19, 32]
                  %s = add(%a, %r) : float32[10, 19, 19, 32]
                  %y = relu(%s) : float32[10, 19, 19, 32]
                  %cd = conv(%xd, %wd) : float64[9, 16, 16, 16]
                  %ad = add(%cd, %bd) : float64[9, 16, 16, 16]
                  %yd = relu(%ad) : float64[9, 16, 16, 16]
                  %cs = conv(%xs, %ws) : float32[100, 5, 5, 16]
                  %as = add(%cs, %bs) : float32[100, 5, 5, 16]
                  %ys = relu(%as) : float32[100, 5, 5, 16]
                  return %y, %yd, %ys
                }
                """, "conv_epilogues.jfg");
        checkAgainstReference(g, "convolution epilogues", 5);
    }

    /**
     * At a batch of one (a leading dim statically 1) loop kernels and a convolution's epilogue are
     * split along their first axis that is not 1, so two threads share them: a 2-D convolution's
     * bias, residual and relu (split along its rows), a 1-D one's, a map, and a mean over the middle
     * axes (split along its channels); on the vector path and in exact mode, on two threads.
     */
    @Test
    void batchOfOneSplitsAlongItsNextAxis() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[1, 13, 11, 8], %w : float32[3, 3, 8, 24], %b : float32[24], %r : float32[1, 13, 11, 24], %x1 : float32[1, 9, 6], %w1 : float32[3, 6, 16], %b1 : float32[16], %v : float32[1, 300, 40], %u : float32[40], %p : float32[1, 7, 7, 64]) -> (y : float32[1, 13, 11, 24], y1 : float32[1, 9, 16], h : float32[1, 300, 40], m : float32[1, 64]) {
                  %c = conv(%x, %w) {pads = [1, 1, 1, 1]} : float32[1, 13, 11, 24]
                  %a = add(%c, %b) : float32[1, 13, 11, 24]
                  %s = add(%a, %r) : float32[1, 13, 11, 24]
                  %y = relu(%s) : float32[1, 13, 11, 24]
                  %c1 = conv(%x1, %w1) {pads = [1, 1]} : float32[1, 9, 16]
                  %a1 = add(%c1, %b1) : float32[1, 9, 16]
                  %y1 = relu(%a1) : float32[1, 9, 16]
                  %vu = add(%v, %u) : float32[1, 300, 40]
                  %h = relu(%vu) : float32[1, 300, 40]
                  %m = reduce_mean(%p) {axes = [1, 2]} : float32[1, 64]
                  return %y, %y1, %h, %m
                }
                """, "batch_of_one.jfg");
        Function f = g.functions().get(0);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = randomInputs(f, 12);
        io.jitflow.runtime.KernelThreads.withThreads(2, () -> {
            Differential.check(g, f, inputs, "a batch of one (vector path)", VECTOR, new Differential.Tolerance(64, 1e-5));
            Differential.check(g, f, inputs, "a batch of one (exact)");
        });
    }

    /**
     * Maps over rank-3 and rank-4 spaces run their trailing axes as one flat loop of vectors:
     * operands laid out as the block (one broadcast over the batch), a per-image scale, a bias along
     * the last axis whose rows are whole vectors (32 channels), one whose rows are not (12 channels:
     * row by row then), and float64; each block ends in a partial vector.
     */
    @Test
    void mapsOverTrailingAxesRunAsOneLoop() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[3, 5, 7, 32], %r : float32[1, 5, 7, 32], %b : float32[32], %s : float32[3, 1, 1, 1], %y : float32[2, 9, 12], %c : float32[12], %z : float64[4, 3, 5], %w : float64[4, 3, 5]) -> (h : float32[3, 5, 7, 32], yc : float32[2, 9, 12], zw : float64[4, 3, 5]) {
                  %a = add(%x, %r) : float32[3, 5, 7, 32]
                  %ab = add(%a, %b) : float32[3, 5, 7, 32]
                  %m = mul(%ab, %s) : float32[3, 5, 7, 32]
                  %h = relu(%m) : float32[3, 5, 7, 32]
                  %yc = mul(%y, %c) : float32[2, 9, 12]
                  %zw = sub(%z, %w) : float64[4, 3, 5]
                  return %h, %yc, %zw
                }
                """, "flat_maps.jfg");
        checkAgainstReference(g, "maps over trailing axes", 6);
    }

    /**
     * Loads through a reshape (a flatten before a dense layer, and back in its gradient) read one
     * flat position instead of a division and a remainder per dim, and are vectorized: over a
     * symbolic batch, and into a rank-3 shape whose rows cross the source's; a bias broadcast before
     * the flatten wraps around within a row, so it is read lane by lane.
     */
    @Test
    void loadsThroughReshapesReadTheirFlatPosition() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[batch, 5, 5, 6], %y : float32[batch, 150], %z : float32[batch, 4, 9], %v : float32[6]) -> (a : float32[batch, 150], b : float32[batch, 5, 5, 6], c : float32[batch, 6, 6]) {
                  %xv = add(%x, %v) : float32[batch, 5, 5, 6]
                  %fx = reshape(%xv) {shape = [-1, 150]} : float32[batch, 150]
                  %e = exp(%fx) : float32[batch, 150]
                  %a = mul(%e, %y) : float32[batch, 150]
                  %uy = reshape(%y) {shape = [-1, 5, 5, 6]} : float32[batch, 5, 5, 6]
                  %b = sub(%uy, %x) : float32[batch, 5, 5, 6]
                  %rz = reshape(%z) {shape = [-1, 6, 6]} : float32[batch, 6, 6]
                  %c = tanh(%rz) : float32[batch, 6, 6]
                  return %a, %b, %c
                }
                """, "reshaped_loads.jfg");
        String code = new String(CpuCompiler.generate(Compiled.lower(g.functions().get(0),
                io.jitflow.ir.InferenceContext.NO_VARIABLES), io.jitflow.cpu.CpuCodeOptions.FAST), StandardCharsets.ISO_8859_1);
        assertTrue(code.contains("jdk/incubator/vector/FloatVector"), "the maps through reshapes are vectorized");
        assertFalse(code.contains("floorDiv"), "no load through a reshape divides its position");
        checkAgainstReference(g, "loads through reshapes", 7);
    }

    /**
     * Transposes run in 16 x 16 tiles of the source's and the output's innermost axes, partial
     * tiles at the ends: over the split (first) axis, over another axis, and of int32 values.
     */
    @Test
    void transposesRunInTiles() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[batch, 5, 6, 37], %y : float64[3, 35, 18], %k : int32[17, 33]) -> (a : float32[37, 5, 6, batch], b : float64[3, 18, 35], c : int32[33, 17]) {
                  %a = transpose(%x) {perm = [3, 1, 2, 0]} : float32[37, 5, 6, batch]
                  %b = transpose(%y) {perm = [0, 2, 1]} : float64[3, 18, 35]
                  %c = transpose(%k) : int32[33, 17]
                  return %a, %b, %c
                }
                """, "transposes.jfg");
        checkAgainstReference(g, "transposes", 8);
    }

    /**
     * Reductions over a run of middle axes (a global average pool over the spatial dims, the batch
     * kept before them) fold row by row into accumulators for the kept axes after the run, each in
     * the reference's order: the same bits as the reference's, on the vector path and in exact mode.
     */
    @Test
    void reductionsOverMiddleAxesFoldByRows() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[batch, 7, 5, 33], %y : float64[4, 9, 6]) -> (m : float32[batch, 33], s : float64[4, 6], p : float32[batch, 5, 33]) {
                  %m = reduce_mean(%x) {axes = [1, 2]} : float32[batch, 33]
                  %s = reduce_max(%y) {axes = [1]} : float64[4, 6]
                  %p = reduce_sum(%x) {axes = [1]} : float32[batch, 5, 33]
                  return %m, %s, %p
                }
                """, "middle_reductions.jfg");
        Function f = g.functions().get(0);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = randomInputs(f, 10);
        Differential.check(g, f, inputs, "reductions over middle axes (vector path)", VECTOR, Differential.Tolerance.EXACT);
        Differential.check(g, f, inputs, "reductions over middle axes (exact)");
    }

    /**
     * A float32 sum over leading axes (a bias gradient's column sums) or a run of middle ones (a
     * mean over the spatial dims) adds each row's values to its columns' float64 accumulators a
     * vector at a time: the same bits as the reference's, on two threads, split along the columns
     * (no kept axis before them), along the kept axis before the reduced ones, and along the last
     * axis after a kept axis of size 1; rows end in partial vectors. A sum of another expression (a
     * square) and rows shorter than a vector (10 classes) still fold value by value.
     */
    @Test
    void columnSumsAddWholeRowsInVectors() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[130, 37], %y : float32[2, 50, 3, 19], %z : float32[1, 9, 4, 21], %w : float32[40, 10]) -> (c : float32[37], m : float32[2, 19], n : float32[1, 21], q : float32[37], s : float32[10]) {
                  %c = reduce_sum(%x) {axes = [0]} : float32[37]
                  %m = reduce_mean(%y) {axes = [1, 2]} : float32[2, 19]
                  %n = reduce_sum(%z) {axes = [1, 2]} : float32[1, 21]
                  %sq = mul(%x, %x) : float32[130, 37]
                  %q = reduce_sum(%sq) {axes = [0]} : float32[37]
                  %s = reduce_sum(%w) {axes = [0]} : float32[10]
                  return %c, %m, %n, %q, %s
                }
                """, "column_sums.jfg");
        Function f = g.functions().get(0);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = randomInputs(f, 13);
        io.jitflow.runtime.KernelThreads.withThreads(2, () -> {
            Differential.check(g, f, inputs, "column sums (vector path)", VECTOR, Differential.Tolerance.EXACT);
            Differential.check(g, f, inputs, "column sums (exact)");
        });
        KernelProgram program = Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        assertEquals(3, callsOf(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST), VECTOR_MATH_CLASS, "addRowInto"),
                "rows added a vector at a time");
        assertEquals(0, callsOf(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.EXACT), VECTOR_MATH_CLASS, "addRowInto"),
                "rows added a vector at a time in exact mode");
    }

    /**
     * A point that calls exp counts as 1 + 16 plain points when the threads share out a loop, and
     * run() hands that count on: the MNIST MLP's 128 x 10 softmax spends 10 us in its 1,280
     * float64 exponentials, which one thread would run alone by their number of points.
     */
    @Test
    void transcendentalPointsWeighMoreWhenLoopsAreSplit() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[128, 10]) -> (y : float32[128, 10]) {
                  %y = softmax(%x) {axis = 1} : float32[128, 10]
                  return %y
                }
                """, "softmax.jfg");
        KernelProgram program = Compiled.lower(g.functions().get(0), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        List<Long> costs = program.kernels().stream()
                .map(k -> CpuCompiler.pointCost((io.jitflow.ir.kernel.Kernel.Loop) k)).toList();
        long exp = 1 + CpuCompiler.TRANSCENDENTAL_COST;
        assertEquals(List.of(1L, exp, 1L, 1L), costs, "the max, the exponentials, their sum, the quotients");
        List<Object> pushed = new java.util.ArrayList<>();
        new org.objectweb.asm.ClassReader(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST)).accept(
                new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String descriptor,
                                                                       String signature, String[] exceptions) {
                        return !name.startsWith("run_") ? null : new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                            @Override
                            public void visitLdcInsn(Object value) {
                                pushed.add(value);
                            }
                        };
                    }
                }, 0);
        assertTrue(pushed.contains(exp), "run() passes the exponentials' weight to the split, pushed " + pushed);
        Map<String, HostTensor> inputs = randomInputs(g.functions().get(0), 5);
        io.jitflow.runtime.KernelThreads.withThreads(2, () ->
                Differential.check(g, g.functions().get(0), inputs, "softmax split over threads", VECTOR,
                        Differential.Tolerance.EXACT));
    }

    /**
     * float32 arithmetic that the kernels write as a float64 operation on widened float32 values,
     * rounded back (add, subtract, multiply, divide, max, min; constants float32 holds exactly), is
     * computed in float32 where code runs value by value (exact mode, a global average pool's
     * residual sum and relu): the reference's bits, with no conversions between the two.
     */
    @Test
    void float32ArithmeticRunsInFloat32ValueByValue() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[2, 7, 7, 40], %r : float32[2, 7, 7, 40], %w : float32[40]) -> (y : float32[2, 7, 7, 40], m : float32[2, 40]) {
                  %s = add(%x, %r) : float32[2, 7, 7, 40]
                  %a = relu(%s) : float32[2, 7, 7, 40]
                  %p = mul(%a, %w) : float32[2, 7, 7, 40]
                  %q = div(%p, %r) : float32[2, 7, 7, 40]
                  %d = sub(%q, %x) : float32[2, 7, 7, 40]
                  %y = minimum(%d, %s) : float32[2, 7, 7, 40]
                  %m = reduce_mean(%a) {axes = [1, 2]} : float32[2, 40]
                  return %y, %m
                }
                """, "float32_arithmetic.jfg");
        Function f = g.functions().get(0);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = randomInputs(f, 29);
        Differential.check(g, f, inputs, "float32 arithmetic (exact)");
        Differential.check(g, f, inputs, "float32 arithmetic (vector path)", VECTOR, Differential.Tolerance.EXACT);
        byte[] exact = CpuCompiler.generate(Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES),
                io.jitflow.cpu.CpuCodeOptions.EXACT);
        assertEquals(1, instructionsOf(exact, org.objectweb.asm.Opcodes.D2F),
                "float64 values rounded to float32 (the mean's float64 sum, divided)");
    }

    /** How many instructions of {@code opcode} (one without operands) the generated class has. */
    private static int instructionsOf(byte[] code, int opcode) {
        return count(code, (op, owner, name) -> op == opcode && owner == null);
    }

    private static final String VECTOR_MATH_CLASS = "io/jitflow/runtime/VectorMath";

    /** How many calls of {@code owner}'s methods named {@code method} the generated class makes. */
    private static int callsOf(byte[] code, String owner, String method) {
        return count(code, (op, called, name) -> owner.equals(called) && method.equals(name));
    }

    /** An instruction: its opcode, and for a call the owner and name of the method called (else null). */
    private interface InstructionFilter {
        boolean test(int opcode, String owner, String name);
    }

    /** How many instructions of the generated class {@code filter} takes. */
    private static int count(byte[] code, InstructionFilter filter) {
        int[] count = new int[1];
        new org.objectweb.asm.ClassReader(code).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                               String[] exceptions) {
                return new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public void visitInsn(int opcode) {
                        count[0] += filter.test(opcode, null, null) ? 1 : 0;
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        count[0] += filter.test(opcode, owner, method) ? 1 : 0;
                    }
                };
            }
        }, 0);
        return count[0];
    }

    /**
     * Reductions over short trailing rows (a softmax's max and sum over 10 classes) fold four rows
     * side by side, the rows left over one at a time, each row's values in order: the same bits as
     * the reference's, on the vector path and in exact mode, over groups and remainders, several
     * kept axes, integers, a reduction split across the threads, and rows too long for it.
     */
    @Test
    void reductionsOverShortRowsFoldRowsSideBySide() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[7, 10], %y : float64[2, 9, 6], %n : int32[5, 3, 4], %w : float32[4100, 4], %z : float32[3, 70]) -> (mx : float32[7], sy : float64[2, 9], mn : int32[5], sw : float32[4100], sz : float32[3]) {
                  %mx = reduce_max(%x) {axes = [1]} : float32[7]
                  %sy = reduce_sum(%y) {axes = [2]} : float64[2, 9]
                  %mn = reduce_min(%n) {axes = [1, 2]} : int32[5]
                  %sw = reduce_sum(%w) {axes = [1]} : float32[4100]
                  %sz = reduce_sum(%z) {axes = [1]} : float32[3]
                  return %mx, %sy, %mn, %sw, %sz
                }
                """, "short_rows.jfg");
        Function f = g.functions().get(0);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = randomInputs(f, 11);
        Differential.check(g, f, inputs, "reductions over short rows (vector path)", VECTOR, Differential.Tolerance.EXACT);
        Differential.check(g, f, inputs, "reductions over short rows (exact)");
        // Four rows' folds and the leftover row's: five maxima, where row by row there is one.
        KernelProgram program = Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        assertEquals(5, callsOf(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST), "java/lang/Math", "max"),
                "calls of Math.max in the generated code");
    }

    /**
     * The graph's function on the vector path against the reference, its inputs uniform in [-1, 1)
     * from {@code seed} (a dim named batch bound to 3).
     */
    private static void checkAgainstReference(Graph g, String what, long seed) {
        Function f = g.functions().get(0);
        Differential.check(g, f, randomInputs(f, seed), what + " (vector path)", VECTOR,
                new Differential.Tolerance(64, 1e-5));
    }

    /** The function's inputs, uniform in [-1, 1) from {@code seed} (a dim named batch bound to 3). */
    private static java.util.Map<String, io.jitflow.ir.HostTensor> randomInputs(Function f, long seed) {
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = new java.util.LinkedHashMap<>();
        java.util.Random random = new java.util.Random(seed);
        f.inputs().forEach(v -> inputs.put(v.name(), RandomTensors.of(v.type().dtype(),
                v.type().shape().bind(java.util.Map.of("batch", 3)).sizes(), random, -1, 1, false)));
        return inputs;
    }

    /**
     * A map over slices of its operands' last axis (an LSTM's gates: columns [k * 19, (k + 1) * 19) of
     * one product) loads adjacent lanes at the slice's offset, so it takes the vector path; 19 columns
     * leave a partial vector.
     */
    @Test
    void mapsOverSlicesAreVectorized() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%z : float32[5, 76], %c : float32[5, 19]) -> (h : float32[5, 19]) {
                  %i = slice(%z) {begin = [0, 0], end = [5, 19]} : float32[5, 19]
                  %g = slice(%z) {begin = [0, 38], end = [5, 57]} : float32[5, 19]
                  %si = sigmoid(%i) : float32[5, 19]
                  %tg = tanh(%g) : float32[5, 19]
                  %m = mul(%si, %tg) : float32[5, 19]
                  %h = add(%m, %c) : float32[5, 19]
                  return %h
                }
                """, "gates.jfg");
        checkVectorized(g, "jdk/incubator/vector/FloatVector", "the sliced map is vectorized", new java.util.Random(4), false);
    }

    /**
     * A row's partial last vector (read as a whole vector where one fits in the array, else through
     * scratch lanes; written through them) computes each element as a whole vector does: exp over
     * 7 rows of 19 gives the same bits as over the same 133 values in one row.
     */
    @Test
    void partialVectorsGiveTheBitsOfWholeOnes() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @rows(%x : float32[7, 19]) -> (y : float32[7, 19]) {
                  %y = exp(%x) : float32[7, 19]
                  return %y
                }
                func @flat(%x : float32[133]) -> (y : float32[133]) {
                  %y = exp(%x) : float32[133]
                  return %y
                }
                """, "partial_vectors.jfg");
        float[] values = new float[133];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 20);
        }
        io.jitflow.ir.HostTensor rows = run(g.functions().get(0), io.jitflow.ir.HostTensor.of(values, 7, 19));
        io.jitflow.ir.HostTensor flat = run(g.functions().get(1), io.jitflow.ir.HostTensor.of(values, 133));
        org.junit.jupiter.api.Assertions.assertArrayEquals((float[]) flat.storage(), (float[]) rows.storage());
    }

    /**
     * A product's epilogue is the thread's one, pointed at the run's arrays for the product (no
     * allocation per call): the generated code lets go of them when the product is done, so no
     * array of a finished run stays reachable from the thread.
     */
    @Test
    void aProductsEpilogueLetsGoOfTheRunsArrays() throws ReflectiveOperationException {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[64, 48], %w : float32[48, 32], %b : float32[32]) -> (y : float32[64, 32]) {
                  %m = matmul(%x, %w) : float32[64, 32]
                  %a = add(%m, %b) : float32[64, 32]
                  %y = relu(%a) : float32[64, 32]
                  return %y
                }
                """, "epilogue.jfg");
        KernelProgram program = Compiled.lower(g.functions().get(0), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        String code = new String(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST),
                StandardCharsets.ISO_8859_1);
        assertTrue(code.contains("io/jitflow/runtime/RowEpilogue"), "an epilogue by rows");
        checkAgainstReference(g, "a product's epilogue", 7);
        Class<?> rows = Class.forName("io.jitflow.runtime.KernelRows");
        java.lang.reflect.Field ofThread = rows.getDeclaredField("OF_THREAD");
        ofThread.setAccessible(true);
        java.lang.reflect.Field buffers = rows.getDeclaredField("buffers");
        buffers.setAccessible(true);
        Object epilogue = ((ThreadLocal<?>) ofThread.get(null)).get();
        assertTrue(buffers.get(epilogue) == null, "the thread's epilogue still refers to the run's arrays");
    }

    private static io.jitflow.ir.HostTensor run(Function f, io.jitflow.ir.HostTensor x) {
        KernelProgram program = Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        assertTrue(new String(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST),
                StandardCharsets.ISO_8859_1).contains("io/jitflow/runtime/VectorTails"), "a partial vector in " + f.name());
        return new ProgramExecutable(program, CpuCompiler.compile(program, io.jitflow.cpu.CpuCodeOptions.FAST))
                .run(java.util.Map.of("x", x), new io.jitflow.ir.VariableStore()).get("y");
    }

    /**
     * A log-softmax's last map, (x - max) - log(sum), reads the row's max and sum, float64 values the
     * same in every lane of a row: they are rounded to float32 and broadcast, so the map runs in
     * vector lanes.
     */
    @Test
    void logSoftmaxNormalizesInVectorLanes() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%z : float32[5, 19]) -> (p : float32[5, 19]) {
                  %p = log_softmax(%z) {axis = 1} : float32[5, 19]
                  return %p
                }
                """, "log_softmax.jfg");
        checkVectorized(g, "jdk/incubator/vector/FloatVector", "the normalizing map is vectorized",
                new java.util.Random(6), false);
    }

    /**
     * Outside exact mode a float32 softmax keeps its exponentials in float32, so that VectorMath
     * computes them in vector lanes and the last map divides them there too (the MNIST MLP's 128 x 10
     * softmax 8.8-9.4 -> 5.9-6.4 us a call); in exact mode they stay float64 Math.exp calls, the
     * reference's. The result is held to VectorMath's tolerance, over rows shorter than a vector,
     * rows of several vectors with a partial one, and large magnitudes.
     */
    @Test
    void softmaxExponentialsRunInVectorLanesOutsideExactMode() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[37, 10], %z : float32[3, 45]) -> (y : float32[37, 10], w : float32[3, 45]) {
                  %y = softmax(%x) {axis = 1} : float32[37, 10]
                  %k = constant() {value = dense<20.0> : float32[]} : float32[]
                  %s = mul(%z, %k) : float32[3, 45]
                  %w = softmax(%s) {axis = 1} : float32[3, 45]
                  return %y, %w
                }
                """, "softmax.jfg");
        Function f = g.functions().get(0);
        KernelProgram fast = new io.jitflow.compiler.CompilerDriver(Compiled.OPTIONS.withExact(false))
                .lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        KernelProgram exact = new io.jitflow.compiler.CompilerDriver(Compiled.OPTIONS.withExact(true))
                .lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        assertEquals(List.of(DType.FLOAT32, DType.FLOAT32), exponentTypes(fast), "outside exact mode");
        assertEquals(List.of(DType.FLOAT64, DType.FLOAT64), exponentTypes(exact), "in exact mode");
        byte[] code = CpuCompiler.generate(fast, io.jitflow.cpu.CpuCodeOptions.FAST);
        Compiled.verify(code, fast);
        assertTrue(callsOf(code, VECTOR_MATH_CLASS, "exp") > 0, "the exponentials come from VectorMath");
        assertEquals(0, callsOf(code, "java/lang/Math", "exp"), "no float64 exponential is left");
        Map<String, HostTensor> inputs = randomInputs(f, 9);
        Differential.check(g, f, inputs, "softmax outside exact mode", (fn, context, in, variables) ->
                new ProgramExecutable(fast, CpuCompiler.compile(fast, io.jitflow.cpu.CpuCodeOptions.FAST))
                        .run(in, variables), VECTOR_MATH);
    }

    /** The dtype of each softmax's exponentials buffer, in kernel order. */
    private static List<DType> exponentTypes(KernelProgram program) {
        return program.kernels().stream().filter(k -> k.fused().get(0).endsWith(".exp"))
                .map(k -> k.output().type().dtype()).toList();
    }

    /**
     * A slice update along a middle axis selects the update or x by that axis's coordinate, and a
     * concat along the first axis chooses among its pieces by nested selects: the conditions are the
     * same in every lane, so the maps are vectorized, and only the branch taken loads (the others'
     * positions are out of range).
     */
    @Test
    void conditionsOnOtherAxesAreBroadcast() {
        Graph g = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[4, 3, 11], %u : float32[4, 1, 11]) -> (y : float32[4, 3, 11], c : float32[12, 3, 11]) {
                  %y = slice_update(%x, %u) {begin = [0, 1, 0], end = [4, 2, 11]} : float32[4, 3, 11]
                  %e = exp(%x) : float32[4, 3, 11]
                  %c = concat(%x, %y, %e) {axis = 0} : float32[12, 3, 11]
                  return %y, %c
                }
                """, "middle_slice_update.jfg");
        checkVectorized(g, "maskAll", "the conditions are broadcast as masks", new java.util.Random(5), true);
    }

    /**
     * {@code g}'s function, compiled for the vector path, holds {@code marker} in its bytecode (what
     * shows the vector code was taken) and matches the reference on seeded inputs in [-3, 3].
     */
    private static void checkVectorized(Graph g, String marker, String why, java.util.Random random, boolean specials) {
        Function f = g.functions().get(0);
        KernelProgram program = Compiled.lower(f, io.jitflow.ir.InferenceContext.NO_VARIABLES);
        assertTrue(new String(CpuCompiler.generate(program, io.jitflow.cpu.CpuCodeOptions.FAST), StandardCharsets.ISO_8859_1)
                .contains(marker), why);
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = new java.util.LinkedHashMap<>();
        f.inputs().forEach(v -> inputs.put(v.name(), RandomTensors.of(v.type().dtype(), v.type().shape().sizes(), random,
                -3, 3, specials)));
        Differential.check(g, f, inputs, f.name() + " of " + why + " (vector path)", VECTOR, VECTOR_MATH);
    }

    /**
     * Fast mode sums float64 values in blocks: 1 followed by a million 1e-16s sums to about
     * 1 + 1.05e-10, which one running sum in the reference's order loses entirely (each 1e-16 is
     * below half an ulp of 1).
     */
    @Test
    void float64SumsAddInBlocks() {
        int n = 1 << 20;
        double[] values = new double[n];
        java.util.Arrays.fill(values, 1e-16);
        values[0] = 1;
        io.jitflow.ir.FunctionBuilder fb = new io.jitflow.ir.FunctionBuilder("f", io.jitflow.ir.InferenceContext.NO_VARIABLES);
        io.jitflow.ir.Value x = fb.input("x", io.jitflow.ir.TensorType.of(DType.FLOAT64, new int[] {n}));
        Function f = fb.output("s", fb.add(io.jitflow.ir.Op.REDUCE_SUM,
                io.jitflow.ir.Attributes.builder().putInts("axes", new long[] {0}).build(), x)).build();
        java.util.Map<String, io.jitflow.ir.HostTensor> inputs = java.util.Map.of("x", io.jitflow.ir.HostTensor.of(values, n));
        double exact = new java.math.BigDecimal(1).add(new java.math.BigDecimal(1e-16).multiply(
                java.math.BigDecimal.valueOf(n - 1))).doubleValue();
        double reference = io.jitflow.ir.Interpreter.run(f, inputs, new io.jitflow.ir.VariableStore()).get("s").getDouble(0);
        double blocked = VECTOR.run(f, io.jitflow.ir.InferenceContext.NO_VARIABLES, inputs, new io.jitflow.ir.VariableStore())
                .get("s").getDouble(0);
        org.junit.jupiter.api.Assertions.assertEquals(1.0, reference, "the reference's running sum");
        org.junit.jupiter.api.Assertions.assertEquals(exact, blocked, 1e-12, "the blocked sum (4,096 partials added to about 1)");
    }

    /** Most of these programs really take the vector path (a test of the scalar one would pass too). */
    @AfterAll
    static void mostProgramsWereVectorized() {
        assertTrue(VECTORIZED.get() >= 40, "only " + VECTORIZED.get() + " programs used the Vector API");
    }
}
