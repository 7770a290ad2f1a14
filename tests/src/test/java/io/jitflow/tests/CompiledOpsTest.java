package io.jitflow.tests;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.OpTypeException;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op and dtype, compiled by the CPU backend, against the reference interpreter, bit for bit.
 * Elementwise ops run on every dtype they accept (with broadcasting); the other ops run in
 * {@code all_ops.jfg}'s functions, with their dtypes swapped for every other dtype that fits.
 */
class CompiledOpsTest {
    private static final DType[] DTYPES = DType.values();

    record ElementwiseCase(Op op, DType dtype, Attributes attrs) {
        @Override
        public String toString() {
            return op.mnemonic() + " " + dtype + (attrs.asMap().isEmpty() ? "" : " " + attrs);
        }
    }

    static Stream<ElementwiseCase> elementwiseCases() {
        List<ElementwiseCase> cases = new ArrayList<>();
        for (Op op : Op.values()) {
            if (!op.has(Op.Trait.ELEMENTWISE)) {
                continue;
            }
            for (DType dtype : DTYPES) {
                if (op == Op.CAST) {
                    for (DType to : DTYPES) {
                        cases.add(new ElementwiseCase(op, dtype, Attributes.builder().put("dtype", to).build()));
                    }
                } else if (accepts(op, dtype)) {
                    cases.add(new ElementwiseCase(op, dtype, Attributes.empty()));
                }
            }
        }
        return cases.stream();
    }

    private static List<TensorType> operandTypes(Op op, DType dtype) {
        List<TensorType> types = new ArrayList<>();
        for (int i = 0; i < op.definition().minOperands(); i++) {
            boolean condition = op == Op.SELECT && i == 0;
            types.add(TensorType.of(condition ? DType.BOOL : dtype, i == 0 ? new int[] {4, 5} : new int[] {5}));
        }
        return types;
    }

    private static boolean accepts(Op op, DType dtype) {
        try {
            NodeFactory.infer(op, operandTypes(op, dtype), NodeFactory.complete(op, Attributes.empty()),
                    InferenceContext.NO_VARIABLES);
            return true;
        } catch (OpTypeException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("elementwiseCases")
    void elementwiseOpMatchesTheReference(ElementwiseCase c) {
        Function f = function(c);
        Differential.check(Graph.of(List.of(), List.of(f)), f, inputs(c), c.toString());
    }

    /** The case's op on a [4, 5] and a broadcast [5] operand: {@code y = op(x0, x1, ...)}. */
    static Function function(ElementwiseCase c) {
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        List<TensorType> types = operandTypes(c.op(), c.dtype());
        Value[] operands = new Value[types.size()];
        for (int i = 0; i < types.size(); i++) {
            operands[i] = fb.input("x" + i, types.get(i));
        }
        return fb.output("y", fb.add(c.op(), c.attrs(), operands)).build();
    }

    /** Seeded inputs for the case, with NaN, infinities and signed zeros among the floats. */
    static Map<String, HostTensor> inputs(ElementwiseCase c) {
        List<TensorType> types = operandTypes(c.op(), c.dtype());
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        Random random = new Random(c.toString().hashCode());
        for (int i = 0; i < types.size(); i++) {
            inputs.put("x" + i, RandomTensors.of(types.get(i).dtype(), types.get(i).shape().sizes(), random, -40, 40, true));
        }
        return inputs;
    }

    /** all_ops.jfg's functions, each with its float32 and other dtypes swapped for a candidate. */
    static Stream<String> dtypeVariants() {
        return Stream.of("original", "float64", "float16", "int32", "int64", "uint8", "bool");
    }

    @ParameterizedTest(name = "all_ops.jfg as {0}")
    @MethodSource("dtypeVariants")
    void everyOpInRealFunctionsMatchesTheReference(String variant) throws IOException {
        List<Graph> graphs = allOpsGraphs(variant);
        for (Graph g : graphs) {
            Function fn = g.functions().get(0);
            Differential.check(g, fn, allOpsInputs(fn, variant), "@" + fn.name() + " as " + variant);
        }
        org.junit.jupiter.api.Assertions.assertTrue(graphs.size() >= 2, variant + ": only " + graphs.size() + " functions fit");
    }

    /** all_ops.jfg's functions that take inputs, each in a graph of its own, with float32 swapped for {@code variant} where that still type-checks. */
    static List<Graph> allOpsGraphs(String variant) throws IOException {
        String text = Files.readString(Repository.root().resolve("grammar/src/test/resources/text/all_ops.jfg"));
        List<Graph> graphs = new ArrayList<>();
        for (String function : functionTexts(text)) {
            Graph g = parseOrNull(variablesOf(text) + (variant.equals("original") ? function
                    : function.replace("float32[", variant + "[")));
            if (g != null && !g.functions().get(0).inputs().isEmpty()) {
                graphs.add(g);
            }
        }
        return graphs;
    }

    /** Seeded inputs for an all_ops.jfg function: the batch dim 3, integers in [0, 2]. */
    static Map<String, HostTensor> allOpsInputs(Function fn, String variant) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        Random random = new Random(variant.hashCode() * 31L + fn.name().hashCode());
        for (Value in : fn.inputs()) {
            int[] shape = in.type().shape().bind(Map.of("batch", 3)).sizes();
            inputs.put(in.name(), RandomTensors.of(in.type().dtype(), shape, random, 0, 2, false));
        }
        return inputs;
    }

    /** The header and variable declarations of a graph file: everything before its first function. */
    private static String variablesOf(String text) {
        return text.substring(0, text.indexOf("\nfunc ") + 1);
    }

    private static List<String> functionTexts(String text) {
        List<String> functions = new ArrayList<>();
        int start = text.indexOf("\nfunc ");
        while (start >= 0) {
            int next = text.indexOf("\nfunc ", start + 1);
            functions.add(text.substring(start + 1, next < 0 ? text.length() : next + 1));
            start = next;
        }
        return functions;
    }

    private static Graph parseOrNull(String text) {
        try {
            return GraphParser.parse(text, "all_ops.jfg");
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Test
    void everyOpIsCompiledByAtLeastOneCase() throws IOException {
        Set<Op> covered = EnumSet.noneOf(Op.class);
        elementwiseCases().forEach(c -> covered.add(c.op()));
        Graph g = GraphParser.parse(Files.readString(Repository.root().resolve("grammar/src/test/resources/text/all_ops.jfg")),
                "all_ops.jfg");
        for (Function f : g.functions()) {
            if (!f.inputs().isEmpty()) {
                f.nodes().stream().map(Node::op).forEach(covered::add);
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(EnumSet.allOf(Op.class), covered);
    }
}
