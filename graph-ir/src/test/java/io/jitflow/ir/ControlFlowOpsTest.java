package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** cond, while and scan on the reference interpreter, by hand, and the region signatures inference refuses. */
class ControlFlowOpsTest {
    private static final TensorType F64 = TensorType.of(DType.FLOAT64);
    private static final TensorType F64_3 = TensorType.of(DType.FLOAT64, 3);
    private static final TensorType I32 = TensorType.of(DType.INT32);
    private static final TensorType BOOL = TensorType.of(DType.BOOL);

    /** A region built by {@code body} from inputs of {@code types}, returning what it returns. */
    interface Body {
        List<Value> build(FunctionBuilder b, List<Value> in);
    }

    static Function region(String name, List<TensorType> types, Body body) {
        FunctionBuilder b = new FunctionBuilder(name, InferenceContext.NO_VARIABLES);
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            in.add(b.input("a" + i, types.get(i)));
        }
        List<Value> out = body.build(b, in);
        for (int i = 0; i < out.size(); i++) {
            b.output("y" + i, out.get(i));
        }
        return b.build();
    }

    /** Runs one control-flow node on {@code args}; returns its results. */
    static List<HostTensor> run(Op op, Attributes attrs, List<Function> regions, HostTensor... args) {
        OpHarness.EVALUATED.add(op);
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        List<Value> operands = new ArrayList<>();
        Map<String, HostTensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            operands.add(fb.input("x" + i, args[i].type()));
            feed.put("x" + i, args[i]);
        }
        List<Value> results = fb.add(op, attrs, operands, regions, null);
        for (int i = 0; i < results.size(); i++) {
            fb.output("r" + i, results.get(i));
        }
        Function f = fb.build();
        Verifier.verify(f, InferenceContext.NO_VARIABLES);
        return new ArrayList<>(Interpreter.run(f, feed, new VariableStore()).values());
    }

    private static HostTensor f64(double... v) {
        return v.length == 1 ? HostTensor.scalar(DType.FLOAT64, v[0]) : HostTensor.of(v, v.length);
    }

    private static HostTensor bool(boolean b) {
        return HostTensor.scalar(DType.BOOL, b ? 1 : 0);
    }

    private static Value constant(FunctionBuilder b, HostTensor t) {
        return b.add(Op.CONSTANT, Attributes.builder().put("value", t).build());
    }

    @Test
    void condRunsTheBranchThePredicatePicks() {
        // then: x * y, else: x - y, over the captures (x, y).
        List<Function> branches = List.of(
                region("then", List.of(F64, F64), (b, in) -> List.of(b.add(Op.MUL, in.get(0), in.get(1)))),
                region("else", List.of(F64, F64), (b, in) -> List.of(b.add(Op.SUB, in.get(0), in.get(1)))));
        assertEquals(12.0, run(Op.COND, Attributes.empty(), branches, bool(true), f64(3), f64(4)).get(0).getDouble(0));
        assertEquals(-1.0, run(Op.COND, Attributes.empty(), branches, bool(false), f64(3), f64(4)).get(0).getDouble(0));
    }

    private static List<Function> doublingWhileBelow(double limit) {
        // (i, x): while x < limit: i += 1, x *= 2.
        return List.of(
                region("cond", List.of(I32, F64), (b, in) -> List.of(
                        b.add(Op.LESS, in.get(1), constant(b, HostTensor.scalar(DType.FLOAT64, limit))))),
                region("body", List.of(I32, F64), (b, in) -> List.of(
                        b.add(Op.ADD, in.get(0), constant(b, HostTensor.scalar(DType.INT32, 1))),
                        b.add(Op.MUL, in.get(1), constant(b, HostTensor.scalar(DType.FLOAT64, 2))))));
    }

    @Test
    void whileRunsUntilTheConditionFailsOrTheBound() {
        HostTensor zero = HostTensor.scalar(DType.INT32, 0);
        List<HostTensor> r = run(Op.WHILE, Attributes.empty(), doublingWhileBelow(100), zero, f64(3));
        assertEquals(6, r.get(0).getLong(0));
        assertEquals(192.0, r.get(1).getDouble(0));
        r = run(Op.WHILE, Attributes.builder().put("max_iterations", 2L).build(), doublingWhileBelow(100), zero, f64(3));
        assertEquals(2, r.get(0).getLong(0));
        assertEquals(12.0, r.get(1).getDouble(0));
        // A false condition at once: zero iterations.
        r = run(Op.WHILE, Attributes.empty(), doublingWhileBelow(1), zero, f64(3));
        assertEquals(0, r.get(0).getLong(0));
        assertEquals(3.0, r.get(1).getDouble(0));
    }

    /** Running sum h += x_t * k, giving h after each step; k is captured. */
    private static Function runningSum() {
        return region("body", List.of(F64, F64, F64), (b, in) -> {
            Value h = b.add(Op.ADD, in.get(0), b.add(Op.MUL, in.get(1), in.get(2)));
            return List.of(h, h);
        });
    }

    @Test
    void scanCarriesStateAndStacksStepOutputs() {
        Attributes forward = Attributes.builder().put("carried", 1L).put("scanned", 1L).build();
        List<HostTensor> r = run(Op.SCAN, forward, List.of(runningSum()), f64(0), f64(1, 2, 3), f64(10));
        assertEquals(60.0, r.get(0).getDouble(0));
        assertArrayEquals(new double[] {10, 30, 60}, r.get(1).toDoubleArray());
        // In reverse the steps run 2, 1, 0 and each output stays at its step's position.
        Attributes reverse = Attributes.builder().put("carried", 1L).put("scanned", 1L).put("reverse", true).build();
        r = run(Op.SCAN, reverse, List.of(runningSum()), f64(0), f64(1, 2, 3), f64(10));
        assertEquals(60.0, r.get(0).getDouble(0));
        assertArrayEquals(new double[] {60, 50, 30}, r.get(1).toDoubleArray());
    }

    @Test
    void scanWithNothingScannedRunsItsLength() {
        Function fib = region("body", List.of(F64, F64), (b, in) -> List.of(in.get(1), b.add(Op.ADD, in.get(0), in.get(1)),
                in.get(0)));
        Attributes attrs = Attributes.builder().put("carried", 2L).put("scanned", 0L).put("length", 6L).build();
        List<HostTensor> r = run(Op.SCAN, attrs, List.of(fib), f64(0), f64(1));
        assertEquals(8.0, r.get(0).getDouble(0));
        assertArrayEquals(new double[] {0, 1, 1, 2, 3, 5}, r.get(2).toDoubleArray());
    }

    @Test
    void regionsNest() {
        // cond(p, xs): then sums xs with a scan, else gives 0.
        Function sum = region("body", List.of(F64, F64), (b, in) -> List.of(b.add(Op.ADD, in.get(0), in.get(1))));
        Function then = region("then", List.of(F64_3), (b, in) -> b.add(Op.SCAN,
                Attributes.builder().put("carried", 1L).put("scanned", 1L).build(),
                List.of(constant(b, HostTensor.scalar(DType.FLOAT64, 0)), in.get(0)), List.of(sum), null));
        Function otherwise = region("else", List.of(F64_3), (b, in) -> List.of(constant(b, HostTensor.scalar(DType.FLOAT64, 0))));
        assertEquals(6.0, run(Op.COND, Attributes.empty(), List.of(then, otherwise), bool(true), f64(1, 2, 3)).get(0)
                .getDouble(0));
    }

    private static OpTypeException inferError(Op op, Attributes attrs, List<Function> regions, TensorType... operands) {
        return assertThrows(OpTypeException.class, () -> NodeFactory.infer(op, List.of(operands),
                NodeFactory.complete(op, attrs), regions, InferenceContext.NO_VARIABLES));
    }

    @Test
    void badRegionSignaturesAreRefusedByName() {
        Function f64Branch = region("then", List.of(F64), (b, in) -> List.of(in.get(0)));
        Function i32Branch = region("else", List.of(F64), (b, in) -> List.of(constant(b, HostTensor.scalar(DType.INT32, 1))));
        assertTrue(inferError(Op.COND, Attributes.empty(), List.of(f64Branch, i32Branch), BOOL, F64).getMessage()
                .contains("region 'then' gives [float64[]] but region 'else' gives [int32[]]"));
        Function otherwise = region("else", List.of(F64), (b, in) -> List.of(in.get(0)));
        assertTrue(inferError(Op.COND, Attributes.empty(), List.of(f64Branch, otherwise), F64, F64).getMessage()
                .contains("operand 0 (the predicate) is float64[], expected bool[]"));
        assertTrue(inferError(Op.COND, Attributes.empty(), List.of(f64Branch, otherwise), BOOL, I32).getMessage()
                .contains("region 'then' takes [float64[]], expected [int32[]]"));
        Function widening = region("body", List.of(F64), (b, in) -> List.of(b.add(Op.BROADCAST_TO,
                Attributes.builder().put("shape", Shape.of(3)).build(), in.get(0))));
        Function always = region("cond", List.of(F64), (b, in) -> List.of(constant(b, HostTensor.scalar(DType.BOOL, 1))));
        assertTrue(inferError(Op.WHILE, Attributes.empty(), List.of(always, widening), F64).getMessage()
                .contains("each iteration must keep their types"));
        Attributes scan = Attributes.builder().put("carried", 0L).put("scanned", 2L).build();
        Function pair = region("body", List.of(F64, F64), (b, in) -> List.of(in.get(0)));
        assertTrue(inferError(Op.SCAN, scan, List.of(pair), F64_3, TensorType.of(DType.FLOAT64, 4)).getMessage()
                .contains("every scanned value needs the same leading size"));
        Attributes nothing = Attributes.builder().put("carried", 1L).put("scanned", 0L).build();
        assertTrue(inferError(Op.SCAN, nothing, List.of(region("body", List.of(F64), (b, in) -> List.of(in.get(0)))), F64)
                .getMessage().contains("the length attribute must give the number of steps"));
    }

    @Test
    void stateInsideARegionIsRefused() {
        InferenceContext context = name -> name.equals("v") ? F64 : null;
        FunctionBuilder read = new FunctionBuilder("then", context);
        Function reads = read.output("y", read.add(Op.READ_VARIABLE, Attributes.builder().put("name", "v").build())).build();
        Function otherwise = region("else", List.of(), (b, in) -> List.of(constant(b, HostTensor.scalar(DType.FLOAT64, 0))));
        FunctionBuilder fb = new FunctionBuilder("f", context);
        Value p = fb.input("p", BOOL);
        fb.output("y", fb.add(Op.COND, Attributes.empty(), List.of(p), List.of(reads, otherwise), null).get(0));
        VerificationException e = assertThrows(VerificationException.class, () -> Verifier.verify(fb.build(), context));
        assertTrue(e.getMessage().contains("region 'then': read_variable cannot appear inside a region"), e.getMessage());
    }
}
