package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.text.GraphParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A graph-ir function run on tensors: eagerly, traced, under a tape, with its variables bound. */
class GraphCallTest {
    private static final Graph GRAPH = GraphParser.parse("""
            jitflow 1 opset 1
            variable @w : float32[3, 2] trainable = dense<[[0.5, -1.0], [0.25, 2.0], [-0.75, 0.125]]>
            variable @steps : int32[] = dense<0>

            func @score(%x : float32[batch, 3]) -> (y : float32[batch, 2]) {
              %w = read_variable() {name = "w"} : float32[3, 2]
              %m = matmul(%x, %w) : float32[batch, 2]
              %y = tanh(%m) : float32[batch, 2]
              return %y
            }

            func @tick() -> (n : int32[]) {
              %s = read_variable() {name = "steps"} : int32[]
              %one = constant() {value = dense<1> : int32[]} : int32[]
              %n = add(%s, %one) : int32[]
              assign_variable(%n) {name = "steps"}
              return %n
            }
            """, "graph-call-test");
    private static final Tensor X = constant(new float[][] {{1, 2, 3}, {-1, 0.5f, 0}});

    private static Function function(String name) {
        return GRAPH.function(name).orElseThrow();
    }

    /** The same computation written in Java, to compare against bit for bit. */
    private static Tensor written(Tensor x, Operand w) {
        return Jf.tanh(Jf.matmul(x, w));
    }

    @Test
    void eagerTracedAndTapedCallsComputeWhatTheGraphSays() {
        Map<String, Variable> vars = GraphCall.variables(GRAPH);
        assertEquals(List.of("w", "steps"), List.copyOf(vars.keySet()));
        assertEquals(true, vars.get("w").trainable());
        assertEquals(false, vars.get("steps").trainable());
        Tensor expected = written(X, vars.get("w"));
        Tensor eager = GraphCall.apply(function("score"), vars, List.of(X)).get(0);
        assertArrayEquals(expected.toFloatArray(), eager.toFloatArray(), 0f);
        JitFunction traced = Jit.function((Tensor x) -> GraphCall.apply(function("score"), vars, List.of(x)).get(0));
        assertArrayEquals(expected.toFloatArray(), traced.call(X).toFloatArray(), 1e-6f);
        assertArrayEquals(Jit.compile(GRAPH, io.jitflow.runtime.Device.cpu()).call("score", Map.of("x", X)).get("y")
                .toFloatArray(), eager.toFloatArray(), 1e-6f, "the compiled graph file agrees");

        Tensor fromGraph;
        try (GradientTape tape = new GradientTape()) {
            Tensor y = GraphCall.apply(function("score"), vars, List.of(X)).get(0);
            fromGraph = tape.gradient(Jf.reduceSum(Jf.mul(y, y)), vars.get("w"));
        }
        Tensor fromJava;
        try (GradientTape tape = new GradientTape()) {
            Tensor y = written(X, vars.get("w"));
            fromJava = tape.gradient(Jf.reduceSum(Jf.mul(y, y)), vars.get("w"));
        }
        assertArrayEquals(fromJava.toFloatArray(), fromGraph.toFloatArray(), 0f);
        assertEquals(6, fromGraph.toFloatArray().length);
    }

    @Test
    void assignmentsReachTheBoundVariables() {
        Map<String, Variable> vars = GraphCall.variables(GRAPH);
        GraphCall.apply(function("tick"), vars, List.of());
        Tensor n = GraphCall.apply(function("tick"), vars, List.of()).get(0);
        assertEquals(2, n.intValue());
        assertEquals(2, vars.get("steps").asTensor().intValue());
        JitFunction tick = Jit.function("tick", args -> GraphCall.apply(function("tick"), vars, List.of()));
        tick.call();
        assertEquals(3, vars.get("steps").asTensor().intValue());
    }

    @Test
    void badCallsAreNamed() {
        Map<String, Variable> vars = GraphCall.variables(GRAPH);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> GraphCall.apply(function("score"), vars, List.of(constant(new float[] {1, 2, 3}))));
        assertEquals("@score: input 'x' is declared float32[batch, 3], got float32[3]", shape.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> GraphCall.apply(function("score"), vars, List.of()));
        assertEquals("@score takes 1 input(s) [x : float32[batch, 3]], got 0", count.getMessage());
        IllegalArgumentException unbound = assertThrows(IllegalArgumentException.class,
                () -> GraphCall.apply(function("score"), Map.of(), List.of(X)));
        assertEquals("@score uses variable @w, which is not bound (bound: [])", unbound.getMessage());
    }
}
