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

    /** Integer division and modulo by constants (no zero check needed) match the interpreter, negative values included. */
    @Test
    void integerDivisionByConstantsMatchesTheInterpreter() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : int32[6], %y : int64[6]) -> (q : int32[6], r : int32[6], d : int64[6], m : int64[6]) {
                  %three = constant() {value = dense<3> : int32[]} : int32[]
                  %minus4 = constant() {value = dense<-4> : int64[]} : int64[]
                  %q = floor_div(%x, %three) : int32[6]
                  %r = mod(%x, %three) : int32[6]
                  %d = floor_div(%y, %minus4) : int64[6]
                  %m = mod(%y, %minus4) : int64[6]
                  return %q, %r, %d, %m
                }
                """, "divide.jfg");
        Map<String, HostTensor> inputs = Map.of("x", HostTensor.of(new int[] {-7, -3, -1, 0, 5, Integer.MIN_VALUE}, 6),
                "y", HostTensor.of(new long[] {-9, -4, -1, 0, 7, Long.MIN_VALUE}, 6));
        Map<String, HostTensor> expected = Interpreter.run(g.functions().get(0), inputs, new VariableStore());
        Map<String, HostTensor> actual = Compiled.run(g.functions().get(0), g.inferenceContext(), inputs, new VariableStore());
        assertEquals(expected, actual);
        assertEquals(HostTensor.of(new int[] {-3, -1, -1, 0, 1, Integer.MIN_VALUE / 3 - 1}, 6), actual.get("q"));
        assertEquals(HostTensor.of(new int[] {2, 0, 2, 0, 2, 1}, 6), actual.get("r"));
    }
}
