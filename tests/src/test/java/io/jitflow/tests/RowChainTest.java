package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cpu.CpuCodeOptions;
import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.KernelProfile;
import io.jitflow.runtime.KernelThreads;
import io.jitflow.runtime.ProgramExecutable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Row chains: the kernels after a product that each thread runs on its own rows of it, inside the
 * product's call. Which kernels join a chain is seen in the kernel profile (a chained kernel makes
 * no call of its own); chained programs compute what the reference does, on the vector path and in
 * exact mode, and give the same bits on one, two and three threads.
 */
class RowChainTest {
    private static final Graph GRAPH = io.jitflow.text.GraphParser.parse("""
            jitflow 1 opset 1
            func @mlp(%x : float32[batch, 40], %w1 : float32[40, 48], %b1 : float32[48], %w2 : float32[48, 10], %b2 : float32[10]) -> (p : float32[batch, 10]) {
              %m = matmul(%x, %w1) : float32[batch, 48]
              %a = add(%m, %b1) : float32[batch, 48]
              %h = relu(%a) : float32[batch, 48]
              %l = matmul(%h, %w2) : float32[batch, 10]
              %z = add(%l, %b2) : float32[batch, 10]
              %p = softmax(%z) {axis = 1} : float32[batch, 10]
              return %p
            }
            func @wide(%x : float32[batch, 40], %w1 : float32[40, 2100], %w2 : float32[2100, 10]) -> (p : float32[batch, 10]) {
              %m = matmul(%x, %w1) : float32[batch, 2100]
              %h = relu(%m) : float32[batch, 2100]
              %p = matmul(%h, %w2) : float32[batch, 10]
              return %p
            }
            func @column_sums(%x : float32[96, 40], %w : float32[40, 48]) -> (s : float32[48]) {
              %m = matmul(%x, %w) : float32[96, 48]
              %h = relu(%m) : float32[96, 48]
              %s = reduce_sum(%h) {axes = [0]} : float32[48]
              return %s
            }
            func @transposed_read(%x : float32[64, 40], %w : float32[40, 64]) -> (y : float32[64, 64]) {
              %m = matmul(%x, %w) : float32[64, 64]
              %h = relu(%m) : float32[64, 64]
              %t = transpose(%h) : float32[64, 64]
              %y = add(%h, %t) : float32[64, 64]
              return %y
            }
            func @product_as_b(%x : float32[96, 40], %w : float32[40, 48], %v : float32[96, 96]) -> (y : float32[96, 48]) {
              %m = matmul(%x, %w) : float32[96, 48]
              %h = relu(%m) : float32[96, 48]
              %y = matmul(%v, %h) : float32[96, 48]
              return %y
            }
            """, "row_chains.jfg");

    @Test
    void aClassifierAndItsSoftmaxRunInTheDenseLayersRows() {
        Function mlp = GRAPH.function("mlp").orElseThrow();
        KernelProgram program = Compiled.lower(mlp, InferenceContext.NO_VARIABLES);
        assertTrue(program.kernels().size() >= 4, program::toString);
        assertEquals(1, callsPerRun(program, inputs(mlp, 203, 1)), program::toString);
    }

    /**
     * A sum over the product's rows, a transpose of it and a product that takes it as B each read
     * rows other threads compute: each runs after the product as a kernel of its own.
     */
    @Test
    void kernelsReadingOtherRowsStayOutOfTheProductsChain() {
        for (String name : List.of("column_sums", "transposed_read", "product_as_b")) {
            Function f = GRAPH.function(name).orElseThrow();
            KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
            assertEquals(2, program.kernels().size(), program::toString);
            assertEquals(2, callsPerRun(program, inputs(f, 1, 2)), name);
            KernelThreads.withThreads(2, () -> Differential.check(GRAPH, f, inputs(f, 1, 3), name, VECTOR,
                    VECTOR_TOLERANCE));
        }
    }

    /**
     * Batches of 1, 7, 64 and 203 rows (one partial tile; several 64-row blocks, each handed to the
     * chain as it is done), on the vector path and in exact mode.
     */
    @Test
    void chainedProgramsMatchTheReferenceWithTheSameBitsOnAnyThreadCount() {
        Function mlp = GRAPH.function("mlp").orElseThrow();
        for (int batch : new int[] {1, 7, 64, 203}) {
            Map<String, HostTensor> inputs = inputs(mlp, batch, batch);
            String what = "batch " + batch;
            KernelThreads.withThreads(2, () -> {
                Differential.check(GRAPH, mlp, inputs, what + " (vector path)", VECTOR, VECTOR_TOLERANCE);
                Differential.check(GRAPH, mlp, inputs, what + " (exact)");
            });
            float[] one = probabilities(mlp, inputs, 1);
            assertArrayEquals(one, probabilities(mlp, inputs, 2), what + ", two threads");
            assertArrayEquals(one, probabilities(mlp, inputs, 3), what + ", three threads");
        }
    }

    /**
     * A classifier 2,100 deep after the product: the blocked kernels sum a product of at most two
     * row tiles that deep in chunks of k, so a chain's product, handed a thread's last few rows,
     * must not, or its rows' bits would depend on how the rows fell to the threads.
     */
    @Test
    void aDeepProductInAChainSumsEachRowAsOneChainOnAnyThreadCount() {
        Function wide = GRAPH.function("wide").orElseThrow();
        KernelProgram program = Compiled.lower(wide, InferenceContext.NO_VARIABLES);
        assertEquals(1, callsPerRun(program, inputs(wide, 203, 4)), program::toString);
        Map<String, HostTensor> inputs = inputs(wide, 203, 5);
        float[] one = probabilities(wide, inputs, 1);
        assertArrayEquals(one, probabilities(wide, inputs, 2), "two threads");
        assertArrayEquals(one, probabilities(wide, inputs, 3), "three threads");
    }

    private static final Differential.Tolerance VECTOR_TOLERANCE = new Differential.Tolerance(64, 1e-5);

    private static final Differential.Backend VECTOR = (f, context, inputs, variables) -> {
        KernelProgram program = Compiled.lower(f, context);
        Compiled.verify(CpuCompiler.generate(program, CpuCodeOptions.FAST), program);
        return new ProgramExecutable(program, CpuCompiler.compile(program, CpuCodeOptions.FAST)).run(inputs, variables);
    };

    private static float[] probabilities(Function mlp, Map<String, HostTensor> inputs, int threads) {
        KernelProgram program = Compiled.lower(mlp, InferenceContext.NO_VARIABLES);
        ProgramExecutable code = new ProgramExecutable(program, CpuCompiler.compile(program, CpuCodeOptions.FAST),
                threads);
        return (float[]) code.run(inputs, new VariableStore()).get("p").storage();
    }

    /** The kernel calls the profile records in one run of the program (on the vector path, two threads). */
    private static long callsPerRun(KernelProgram program, Map<String, HostTensor> inputs) {
        Compiled.verify(CpuCompiler.generate(program, CpuCodeOptions.FAST), program);
        KernelProfile.enable();
        try {
            ProgramExecutable code = new ProgramExecutable(program, CpuCompiler.compile(program, CpuCodeOptions.FAST),
                    2);
            KernelProfile.reset();
            code.run(inputs, new VariableStore());
            return KernelProfile.recordedCalls();
        } finally {
            KernelProfile.disable();
        }
    }

    /** The function's inputs (all float32), uniform in [-0.5, 0.5) from {@code seed}, its dim batch bound to {@code batch}. */
    private static Map<String, HostTensor> inputs(Function f, int batch, long seed) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        Random random = new Random(seed);
        f.inputs().forEach(v -> {
            int[] sizes = v.type().shape().bind(Map.of("batch", batch)).sizes();
            HostTensor.Writer values = HostTensor.writer(v.type().dtype(), sizes);
            for (int i = 0; i < io.jitflow.ir.Shape.checkedElementCount(sizes); i++) {
                values.setDouble(i, random.nextDouble() - 0.5);
            }
            inputs.put(v.name(), values.build());
        });
        return inputs;
    }
}
