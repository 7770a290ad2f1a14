package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whole-function runs: inputs, symbolic dims, variables and the verifier's rules. */
class InterpreterTest {
    private static final Dim BATCH = Dim.named("batch");

    /** y = x @ W + b with W and b as variables; also bumps a step counter. */
    private static Graph linearModel() {
        Variable w = new Variable("W", TensorType.of(DType.FLOAT32, 2, 1), HostTensor.of(new float[] {2f, -1f}, 2, 1), true);
        Variable b = new Variable("b", TensorType.of(DType.FLOAT32, 1), HostTensor.of(new float[] {0.5f}, 1), true);
        Variable step = new Variable("step", TensorType.of(DType.INT64), HostTensor.of(new long[] {0}), false);
        Graph vars = Graph.of(List.of(w, b, step), List.of());
        FunctionBuilder fb = new FunctionBuilder("predict", vars.inferenceContext());
        Value x = fb.input("x", new TensorType(DType.FLOAT32, Shape.of(BATCH, Dim.of(2))));
        Value wv = fb.add(Op.READ_VARIABLE, Attributes.builder().put("name", "W").build());
        Value bv = fb.add(Op.READ_VARIABLE, Attributes.builder().put("name", "b").build());
        Value y = fb.add(Op.ADD, fb.add(Op.MATMUL, x, wv), bv);
        Value s = fb.add(Op.READ_VARIABLE, Attributes.builder().put("name", "step").build());
        Value one = fb.add(Op.CONSTANT, Attributes.builder().put("value", HostTensor.of(new long[] {1})).build());
        fb.addEffect(Op.ASSIGN_VARIABLE, Attributes.builder().put("name", "step").build(), fb.add(Op.ADD, s, one));
        Value after = fb.add(Op.READ_VARIABLE, Attributes.builder().put("name", "step").build());
        Function f = fb.output("y", y).output("step", after).build();
        return Graph.of(vars.variables(), List.of(f));
    }

    @Test
    void runsWithAnyBatchSizeAndUpdatesVariablesInOrder() {
        Graph g = linearModel();
        Verifier.verify(g);
        VariableStore store = VariableStore.initialValues(g);
        Map<String, HostTensor> out = Interpreter.run(g, "predict",
                Map.of("x", HostTensor.of(new float[] {1f, 1f, 3f, 2f, 0f, 0f}, 3, 2)), store);
        OpHarness.assertClose(out.get("y"), 1.5, 4.5, 0.5);
        assertEquals(1L, out.get("step").getLong(0), "a read after an assignment sees it");
        assertEquals(1L, store.get("step").getLong(0));
        Interpreter.run(g, "predict", Map.of("x", HostTensor.of(new float[] {1f, 1f}, 1, 2)), store);
        assertEquals(2L, store.get("step").getLong(0));
    }

    @Test
    void inputErrorsAreClear() {
        Graph g = linearModel();
        VariableStore store = VariableStore.initialValues(g);
        IrException missing = assertThrows(IrException.class, () -> Interpreter.run(g, "predict", Map.of(), store));
        assertEquals("function @predict: missing input 'x' of type float32[batch, 2]", missing.getMessage());
        IrException extra = assertThrows(IrException.class, () -> Interpreter.run(g, "predict",
                Map.of("x", HostTensor.zeros(DType.FLOAT32, 1, 2), "z", HostTensor.zeros(DType.FLOAT32)), store));
        assertEquals("function @predict has no input 'z' (inputs: x)", extra.getMessage());
        IrException dtype = assertThrows(IrException.class, () -> Interpreter.run(g, "predict",
                Map.of("x", HostTensor.zeros(DType.FLOAT64, 1, 2)), store));
        assertEquals("function @predict: input 'x' has dtype float64, expected float32", dtype.getMessage());
        IrException shape = assertThrows(IrException.class, () -> Interpreter.run(g, "predict",
                Map.of("x", HostTensor.zeros(DType.FLOAT32, 1, 3)), store));
        assertEquals("function @predict: input 'x' has shape [1, 3], expected [batch, 2]", shape.getMessage());
        IrException function = assertThrows(IrException.class, () -> Interpreter.run(g, "train", Map.of(), store));
        assertTrue(function.getMessage().contains("there is no function @train (functions: predict)"));
        assertEquals(0L, store.get("step").getLong(0), "failed runs assign nothing");
    }

    @Test
    void symbolicDimsMustAgreeAcrossInputs() {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        TensorType t = new TensorType(DType.FLOAT32, Shape.of(BATCH));
        Value a = fb.input("a", t);
        Value b = fb.input("b", t);
        Function f = fb.output("c", fb.add(Op.ADD, a, b)).build();
        IrException e = assertThrows(IrException.class, () -> Interpreter.run(f,
                Map.of("a", HostTensor.zeros(DType.FLOAT32, 2), "b", HostTensor.zeros(DType.FLOAT32, 3)),
                new VariableStore()));
        assertTrue(e.getMessage().contains("but dim batch is"), e.getMessage());
    }

    @Test
    void verifierRejectsBrokenGraphsNamingTheNode() {
        Value x = new Value("x", TensorType.of(DType.FLOAT32, 2));
        Value wrong = new Value("0", TensorType.of(DType.FLOAT64, 2));
        Node bad = new Node(Op.NEG, List.of(x), Attributes.empty(), List.of(wrong), new SourceLocation("m.jfg", 3, 5));
        Function f = new Function("f", List.of(x), List.of(bad), List.of(new Function.Output("y", wrong)));
        VerificationException e = assertThrows(VerificationException.class,
                () -> Verifier.verify(f, InferenceContext.NO_VARIABLES));
        assertEquals("m.jfg:3:5: function @f, node %0 = neg(%x): results are declared [float64[2]] but the op gives "
                + "[float32[2]]", e.getMessage());
        Value undefined = new Value("u", TensorType.of(DType.FLOAT32, 2));
        Node use = new Node(Op.NEG, List.of(undefined), Attributes.empty(),
                List.of(new Value("1", TensorType.of(DType.FLOAT32, 2))), null);
        Function g = new Function("g", List.of(x), List.of(use), List.of());
        VerificationException e2 = assertThrows(VerificationException.class,
                () -> Verifier.verify(g, InferenceContext.NO_VARIABLES));
        assertEquals("function @g, node %1 = neg(%u): operand %u is used before it is defined", e2.getMessage());
        Node noDefaults = new Node(Op.LEAKY_RELU, List.of(x), Attributes.empty(),
                List.of(new Value("2", TensorType.of(DType.FLOAT32, 2))), null);
        Function h = new Function("h", List.of(x), List.of(noDefaults), List.of());
        VerificationException e3 = assertThrows(VerificationException.class,
                () -> Verifier.verify(h, InferenceContext.NO_VARIABLES));
        assertTrue(e3.getMessage().contains("lack defaults"), e3.getMessage());
    }
}
