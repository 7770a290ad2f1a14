package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.KernelProfile;
import io.jitflow.runtime.ProgramExecutable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel profile: a profiled program's generated run() verifies and reports every kernel call;
 * the table gives each kernel's calls, bytes and flops per call (a 64x32 by 32x16 matmul with its
 * relu epilogue: 2 x 64 x 16 x 32 flops, 3,584 floats touched), and the trace holds one event per call.
 */
class KernelProfileTest {
    @Test
    void everyKernelCallIsTimedWithItsBytesAndFlops(@TempDir Path dir) throws Exception {
        io.jitflow.ir.Function f = io.jitflow.text.GraphParser.parse("""
                jitflow 1 opset 2
                func @layer(%x : float32[64, 32], %w : float32[32, 16]) -> (y : float32[64, 16], s : float32[16]) {
                  %m = matmul(%x, %w) : float32[64, 16]
                  %y = relu(%m) : float32[64, 16]
                  %s = reduce_sum(%y) {axes = [0]} : float32[16]
                  return %y, %s
                }
                """, "layer.jfg").functions().get(0);
        KernelProfile.enable();
        try {
            KernelProgram program = Compiled.lower(f, InferenceContext.NO_VARIABLES);
            int id = KernelProfile.register(program);
            Compiled.verify(CpuCompiler.generate(program, Compiled.CODE, "io.jitflow.cpu.Program", id), program);
            ProgramExecutable layer = new ProgramExecutable(program, CpuCompiler.compile(program, Compiled.CODE));
            Map<String, HostTensor> inputs = Map.of("x", HostTensor.zeros(io.jitflow.ir.DType.FLOAT32, 64, 32),
                    "w", HostTensor.zeros(io.jitflow.ir.DType.FLOAT32, 32, 16));
            KernelProfile.reset();
            for (int i = 0; i < 3; i++) {
                layer.run(inputs, new VariableStore());
            }
            String table = KernelProfile.table(100, 10);
            assertEquals(3L * program.kernels().size(), KernelProfile.recordedCalls(), table);
            assertTrue(Pattern.compile("(?m)^layer +k0 matmul m,y +3 +[0-9.]+ +[0-9.]+% +14\\.3 +0\\.066 ").matcher(table).find(),
                    table);
            assertTrue(Pattern.compile("(?m)^layer +k1 reduce s +3 ").matcher(table).find(), table);
            Path trace = dir.resolve("trace.json");
            KernelProfile.writeTrace(trace);
            String json = Files.readString(trace);
            assertTrue(json.startsWith("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [") && json.endsWith("]}\n"), json);
            assertEquals(3L * program.kernels().size(), Pattern.compile("\"ph\": \"X\"").matcher(json).results().count());
        } finally {
            KernelProfile.disable();
        }
    }
}
