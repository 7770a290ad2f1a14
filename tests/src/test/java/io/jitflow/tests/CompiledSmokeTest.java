package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.text.GraphParser;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledSmokeTest {
    @Test
    void linearModelCompilesAndMatchesTheInterpreter() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[batch, 3], %w : float32[3, 2], %b : float32[2]) -> (y : float32[batch, 2], s : float32[batch]) {
                  %m = matmul(%x, %w) : float32[batch, 2]
                  %a = add(%m, %b) : float32[batch, 2]
                  %y = relu(%a) : float32[batch, 2]
                  %t = tanh(%x) : float32[batch, 3]
                  %s = reduce_sum(%t) {axes = [1]} : float32[batch]
                  return %y, %s
                }
                """, "smoke.jfg");
        Map<String, HostTensor> inputs = Map.of(
                "x", HostTensor.of(new float[] {1, -2, 3, 0.5f, 0.25f, -1}, 2, 3),
                "w", HostTensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2),
                "b", HostTensor.of(new float[] {-10, 0.5f}, 2));
        Map<String, HostTensor> expected = Interpreter.run(g.functions().get(0), inputs, new VariableStore());
        Map<String, HostTensor> actual = Compiled.run(g.functions().get(0), g.inferenceContext(), inputs, new VariableStore());
        assertEquals(expected, actual, Compiled.lower(g.functions().get(0), g.inferenceContext()).toString());
    }
}
