package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cpu.CpuCodeOptions;
import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Function;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.CompiledProgram;
import io.jitflow.runtime.FloatTiles;
import io.jitflow.runtime.MatmulKernels;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.runtime.RowEpilogue;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float32 products whose A the generated tiles read in place (rows at a stride fixed in the
 * code): the program class is the product's {@link FloatTiles}, and its products give the bits of
 * the runtime's kernels on a packed A, for row counts with a partial last tile (of one row, of
 * several), columns with a partial last panel, depths over several blocks, a batch of matrices,
 * on one and on two threads.
 */
class FloatTilesTest {
    @Test
    void productsReadingARowsInPlaceGiveThePackedKernelsBits() {
        int[][] shapes = {{1, 40, 10}, {9, 300, 33}, {64, 784, 128}, {203, 513, 70}, {37, 260, 45}};
        for (int[] shape : shapes) {
            int m = shape[0];
            int k = shape[1];
            int n = shape[2];
            for (int batch : new int[] {1, 3}) {
                String x = batch == 1 ? m + ", " + k : batch + ", " + m + ", " + k;
                String y = batch == 1 ? m + ", " + n : batch + ", " + m + ", " + n;
                Function f = io.jitflow.text.GraphParser.parse("jitflow 1 opset 1\nfunc @f(%x : float32[" + x
                        + "], %w : float32[" + k + ", " + n + "]) -> (y : float32[" + y + "]) {\n  %y = matmul(%x, %w) : float32["
                        + y + "]\n  return %y\n}\n", "tiles.jfg").functions().get(0);
                KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
                Compiled.verify(CpuCompiler.generate(program, CpuCodeOptions.FAST), program);
                CompiledProgram code = CpuCompiler.compile(program, CpuCodeOptions.FAST);
                assertTrue(code instanceof FloatTiles, "the program's tiles read A in place");
                Random random = new Random(m * 31L + batch);
                float[] a = values(random, batch * m * k);
                float[] w = values(random, k * n);
                int[] aShape = batch == 1 ? new int[] {m, k} : new int[] {batch, m, k};
                int[] cShape = batch == 1 ? new int[] {m, n} : new int[] {batch, m, n};
                float[] packed = new float[batch * m * n];
                MatmulKernels.floating(a, aShape, false, w, new int[] {k, n}, false, false, packed, cShape, false, null,
                        RowEpilogue.NONE);
                Map<String, HostTensor> inputs = Map.of("x", HostTensor.of(a, aShape), "w", HostTensor.of(w, k, n));
                for (int threads : new int[] {1, 2}) {
                    HostTensor product = new ProgramExecutable(program, code, threads).run(inputs, new VariableStore())
                            .get("y");
                    assertArrayEquals(packed, (float[]) product.storage(), java.util.Arrays.toString(shape) + " x" + batch
                            + " on " + threads + " threads");
                }
            }
        }
    }

    /** A transposed A is packed (its rows are not the kernel's), and exact code has no tiles. */
    @Test
    void onlyRowMajorFloat32ProductsOutsideExactModeHaveTiles() {
        Function f = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[40, 16], %w : float32[40, 24]) -> (y : float32[16, 24]) {
                  %y = matmul(%x, %w) {transpose_a = true} : float32[16, 24]
                  return %y
                }
                """, "transposed.jfg").functions().get(0);
        KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
        assertFalse(CpuCompiler.compile(program, CpuCodeOptions.FAST) instanceof FloatTiles, program::toString);
        Function dense = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[16, 40], %w : float32[40, 24]) -> (y : float32[16, 24]) {
                  %y = matmul(%x, %w) : float32[16, 24]
                  return %y
                }
                """, "dense.jfg").functions().get(0);
        KernelProgram product = Compiled.lower(dense, InferenceContext.NO_VARIABLES);
        assertFalse(CpuCompiler.compile(product, CpuCodeOptions.EXACT) instanceof FloatTiles);
        assertTrue(CpuCompiler.compile(product, CpuCodeOptions.FAST) instanceof FloatTiles);
    }

    private static float[] values(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return values;
    }
}
