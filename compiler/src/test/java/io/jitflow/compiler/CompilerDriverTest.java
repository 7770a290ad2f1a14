package io.jitflow.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.Executable;
import io.jitflow.text.GraphParser;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompilerDriverTest {
    private static final Graph TWO_FUNCTIONS = GraphParser.parse("""
            jitflow 1 opset 1
            func @scale(%x : float32[3]) -> (y : float32[3]) {
              %two = constant() {value = dense<2.0> : float32[]} : float32[]
              %y = mul(%x, %two) : float32[3]
              return %y
            }
            func @total(%x : float32[3]) -> (s : float32[]) {
              %s = reduce_sum(%x) {axes = [0]} : float32[]
              return %s
            }
            """, "two.jfg");

    @Test
    void compilesEveryFunctionOfAGraph() {
        Map<String, Executable> functions = new CompilerDriver(CompileOptions.DEFAULTS).compile(TWO_FUNCTIONS);
        assertEquals(List.of("scale", "total"), List.copyOf(functions.keySet()));
        Map<String, HostTensor> x = Map.of("x", HostTensor.of(new float[] {1, 2, 3.5f}, 3));
        assertEquals(HostTensor.of(new float[] {2, 4, 7}, 3), functions.get("scale").run(x, new VariableStore()).get("y"));
        assertEquals(HostTensor.scalar(io.jitflow.ir.DType.FLOAT32, 6.5), functions.get("total").run(x, new VariableStore()).get("s"));
    }

    /** Exact mode passes down to the generated code: a long float32 matmul sums as the reference does. */
    @Test
    void exactModeGivesTheReferenceBits() {
        int k = 4096;
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%a : float32[4, K], %b : float32[K, 4]) -> (c : float32[4, 4]) {
                  %c = matmul(%a, %b) : float32[4, 4]
                  return %c
                }
                """.replace("K", Integer.toString(k)), "matmul.jfg");
        Random random = new Random(7);
        float[] a = new float[4 * k];
        float[] b = new float[k * 4];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        Map<String, HostTensor> inputs = Map.of("a", HostTensor.of(a, 4, k), "b", HostTensor.of(b, k, 4));
        HostTensor reference = Interpreter.run(g.functions().get(0), inputs, new VariableStore()).get("c");
        Executable exact = new CompilerDriver(CompileOptions.DEFAULTS.withExact(true)).compile(g).get("f");
        assertArrayEquals(reference.toFloatArray(), exact.run(inputs, new VariableStore()).get("c").toFloatArray());
    }

    @Test
    void optionsAreChecked() {
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> CompileOptions.DEFAULTS.withThreads(-1));
        assertEquals("threads must be 0 (one per processor) or positive, got -1", threads.getMessage());
        IllegalArgumentException dump = assertThrows(IllegalArgumentException.class,
                () -> Pipeline.standard(CompileOptions.DEFAULTS.withDumpAfter(Set.of("fusion"), System.err)));
        assertEquals("cannot dump after 'fusion': no such stage (stages: canonicalize, fold-constants, fold-cond, simplify, cse, hoist-invariants, dce, "
                + "fuse, merge-siblings, plan-buffers, or all)", dump.getMessage());
    }

    @Test
    void shapeBindingsSpecializeBeforeThePasses() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[batch, 2]) -> (y : float32[batch, 2]) {
                  %y = neg(%x) : float32[batch, 2]
                  return %y
                }
                """, "batch.jfg");
        CompilerDriver compiler = new CompilerDriver(CompileOptions.DEFAULTS.withShapeBindings(Map.of("batch", 5)));
        assertEquals("specialize-shapes", compiler.pipeline().stageNames().get(0));
        KernelProgram program = compiler.lower(compiler.optimize(g), "f");
        assertEquals("float32[5, 2]", program.inputs().get("x").type().toString());
    }

    @Test
    void backendsSayWhichKernelsTheyCompile() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[n, 4]) -> (i : int64[4]) {
                  %i = argmax(%x) {axis = 0} : int64[4]
                  return %i
                }
                """, "argmax.jfg");
        CompilerDriver compiler = new CompilerDriver(CompileOptions.DEFAULTS);
        KernelProgram program = compiler.lower(compiler.optimize(g), "f");
        assertEquals(Optional.empty(), Backend.of(Device.cpu()).unsupported(program, 0));
        Backend cuda = Backend.of(new Device(Device.Kind.CUDA, 0));
        assertEquals("cuda", cuda.name());
        assertTrue(cuda.unsupported(program, 0).orElseThrow().contains("argmax over an axis that may be empty"),
                cuda.unsupported(program, 0).toString());
    }
}
