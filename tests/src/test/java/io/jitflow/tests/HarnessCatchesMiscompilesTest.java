package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.cpu.CpuCompiler;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.Expr;
import io.jitflow.ir.kernel.Kernel;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.ir.kernel.ScalarOp;
import io.jitflow.runtime.ProgramExecutable;
import io.jitflow.text.GraphParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Proves the differential harness would catch a wrong kernel: a deliberately miscompiled add is detected. */
class HarnessCatchesMiscompilesTest {
    @Test
    void anAddCompiledAsSubIsCaught() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[3], %y : float32[3]) -> (z : float32[3]) {
                  %z = add(%x, %y) : float32[3]
                  return %z
                }
                """, "add.jfg");
        KernelProgram right = Compiled.lower(g.functions().get(0), g.inferenceContext());
        Kernel.Map loop = (Kernel.Map) right.kernels().get(0);
        Kernel.Map wrong = Kernel.Map.of(loop.fused(), loop.space(), miscompile(loop.body()), loop.output());
        KernelProgram broken = new KernelProgram(right.name(), right.buffers(), List.of(wrong), right.inputs(),
                right.outputs(), right.variableReads(), right.variableWrites());
        Map<String, HostTensor> inputs = Map.of("x", HostTensor.of(new float[] {1, 2, 3}, 3),
                "y", HostTensor.of(new float[] {1, 1, 1}, 3));
        HostTensor expected = Interpreter.run(g.functions().get(0), inputs, new VariableStore()).get("z");
        HostTensor actual = new ProgramExecutable(broken, CpuCompiler.compile(broken, Compiled.CODE)).run(inputs, new VariableStore()).get("z");
        assertThrows(AssertionError.class, () -> Differential.assertSame(expected, actual, "miscompiled add"));
    }

    private static Expr miscompile(Expr e) {
        if (e instanceof Expr.Binary b && b.op() == ScalarOp.ADD) {
            return new Expr.Binary(ScalarOp.SUB, b.a(), b.b(), b.dtype());
        }
        if (e instanceof Expr.Cast c) {
            return new Expr.Cast(miscompile(c.x()), c.dtype());
        }
        return e;
    }
}
