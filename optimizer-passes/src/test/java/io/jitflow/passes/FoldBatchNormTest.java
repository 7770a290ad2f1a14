package io.jitflow.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.Op;
import io.jitflow.ir.VariableStore;
import io.jitflow.text.GraphParser;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The folded convolution computes what conv, shift and scale did, within the rounding the fold moves. */
class FoldBatchNormTest {
    @Test
    void foldedGraphAgreesWithTheOriginalWithinRounding() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[2, 6, 5, 3]) -> (y : float32[2, 3, 5, 4]) {
                  %r = range() {delta = 1.0, dtype = float32, limit = 108.0, start = 0.0} : float32[108]
                  %s = sin(%r) : float32[108]
                  %w = reshape(%s) {shape = [3, 3, 3, 4]} : float32[3, 3, 3, 4]
                  %mean = constant() {value = dense<[0.5, -1.0, 2.0, 0.0]> : float32[4]} : float32[4]
                  %scale = constant() {value = dense<[1.5, 0.25, -3.0, 0.1]> : float32[4]} : float32[4]
                  %c = conv(%x, %w) {pads = [1, 1, 1, 1], strides = [2, 1]} : float32[2, 3, 5, 4]
                  %d = sub(%c, %mean) : float32[2, 3, 5, 4]
                  %y = mul(%scale, %d) : float32[2, 3, 5, 4]
                  return %y
                }
                """, "bn.jfg");
        // The filter must be a constant for the fold: fold-constants makes it one first.
        Function f = new FoldConstants().run(g.functions().get(0), g.inferenceContext());
        Function folded = new FoldBatchNorm().run(f, g.inferenceContext());
        assertNotSame(f, folded);
        assertEquals(0, folded.nodes().stream().filter(n -> n.op() == Op.MUL || n.op() == Op.SUB).count());
        HostTensor.Writer x = HostTensor.writer(DType.FLOAT32, new int[] {2, 6, 5, 3});
        Random random = new Random(1);
        for (int i = 0; i < 180; i++) {
            x.setDouble(i, random.nextGaussian());
        }
        Map<String, HostTensor> in = Map.of("x", x.build());
        HostTensor expected = Interpreter.run(f, in, new VariableStore()).get("y");
        HostTensor actual = Interpreter.run(folded, in, new VariableStore()).get("y");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.getDouble(i), actual.getDouble(i), 1e-5 * Math.max(1, Math.abs(expected.getDouble(i))));
        }
    }

}
