package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.compiler.AheadOfTime;
import io.jitflow.CompiledGraph;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Value;
import io.jitflow.runtime.aot.AotModule;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A traced function exported for every signature it was traced with, loaded back and compiled ahead of time. */
class ExportTest {
    @TempDir
    Path dir;

    @Test
    void everyTracedSignatureIsExportedWithTheVariablesCurrentValues() throws Exception {
        Variable w = new Variable(Jf.constant(new float[][] {{1, 2}, {3, 4}, {5, 6}}));
        JitFunction affine = Jit.function("affine", args -> List.of(Jf.tanh(Jf.matmul(args.get(0), w))));
        Tensor small = Jf.constant(new float[][] {{0.1f, 0.2f, 0.3f}});
        Tensor batch = Jf.constant(new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.5f, -0.5f, 0.25f}});
        affine.call(small);
        affine.call(batch);
        w.assignSub(Jf.fill(io.jitflow.ir.DType.FLOAT32, 0.5, 3, 2));
        Path file = dir.resolve("affine.jfg");
        affine.writeGraph(file);

        CompiledGraph loaded = Jit.load(file);
        assertEquals(List.of("affine", "affine_1"), loaded.functionNames());
        Path jar = dir.resolve("affine.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CPU, Compiled.OPTIONS);
        AotModule aot = AotModule.load(jar);
        Map<String, Tensor> examples = Map.of("affine", small, "affine_1", batch);
        for (Map.Entry<String, Tensor> e : examples.entrySet()) {
            Value input = loaded.function(e.getKey()).inputs().get(0);
            Tensor expected = affine.call(e.getValue());
            Map<String, Tensor> inputs = new LinkedHashMap<>(Map.of(input.name(), e.getValue()));
            HostTensor fromFile = loaded.call(e.getKey(), inputs).values().iterator().next().toHostTensor();
            HostTensor fromJar = aot.call(e.getKey(), Map.of(input.name(), e.getValue().toHostTensor())).values().iterator().next();
            Differential.assertSame(expected.toHostTensor(), fromFile, e.getKey() + " loaded from the file");
            Differential.assertSame(expected.toHostTensor(), fromJar, e.getKey() + " from the AOT jar");
        }
    }

    @Test
    void anUntracedFunctionHasNothingToExport() {
        JitFunction f = Jit.function("f", args -> List.of(Jf.neg(args.get(0))));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.writeGraph(dir.resolve("f.jfg")));
        assertEquals("function 'f' has not been traced yet: call it first, or pass example arguments to writeGraph", e.getMessage());
    }
}
