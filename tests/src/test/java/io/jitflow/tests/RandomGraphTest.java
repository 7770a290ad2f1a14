package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Attr;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Op;
import io.jitflow.ir.OpTypeException;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.passes.PassManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing: random DAGs of ops over random broadcastable shapes, run by the reference
 * interpreter on the original graph, and compiled after the optimizer; results must agree bit for bit.
 */
class RandomGraphTest {
    static final int GRAPHS = 1000;

    private static final Op[] FLOAT_UNARY = {Op.NEG, Op.ABS, Op.EXP, Op.TANH, Op.SIGMOID, Op.RELU, Op.SQUARE, Op.SQRT,
        Op.LOG, Op.SIN, Op.FLOOR, Op.SOFTPLUS, Op.ERF};
    private static final Op[] INT_UNARY = {Op.NEG, Op.ABS, Op.SQUARE, Op.SIGN, Op.RELU};
    private static final Op[] BINARY = {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MAXIMUM, Op.MINIMUM};

    @Test
    void thousandRandomGraphsAgreeWithTheReference() {
        for (int seed = 0; seed < GRAPHS; seed++) {
            Random random = new Random(seed);
            Generated g = generate(random);
            Graph optimized = new PassManager(PassManager.defaultPasses()).verifyEachPass(true).run(g.graph());
            String what = "random graph " + seed + ":\n" + GraphPrinter.print(g.graph());
            checkAgainstOriginal(g, optimized, what, Compiled::run, Differential.Tolerance.EXACT);
        }
    }

    /**
     * Every third graph on the CUDA backend, run by the PTX interpreter, within the units in the
     * last place {@link PtxCases#tolerance} allows (graphs with ops the backend refuses are skipped).
     */
    @Test
    void randomGraphsAgreeWithTheReferenceOnThePtxInterpreter() {
        int checked = 0;
        for (int seed = 0; seed < GRAPHS; seed += 3) {
            Generated g = generate(new Random(seed));
            Graph optimized = new PassManager(PassManager.defaultPasses()).verifyEachPass(true).run(g.graph());
            io.jitflow.ir.kernel.KernelProgram program = Compiled.lower(optimized.functions().get(0), optimized.inferenceContext());
            try {
                io.jitflow.cuda.PtxGenerator.module(program);
            } catch (io.jitflow.cuda.UnsupportedKernelException e) {
                continue;
            }
            String what = "random graph " + seed + " on the PTX interpreter:\n" + GraphPrinter.print(g.graph());
            checkAgainstOriginal(g, optimized, what, PtxDifferentialTest::runOnPtx,
                    PtxCases.tolerance(program));
            checked++;
        }
        assertTrue(checked >= 200, "only " + checked + " random graphs ran on the PTX interpreter");
    }

    private record Generated(Graph graph, Map<String, HostTensor> inputs) {
    }

    /** The reference runs the original graph; the compiled code runs the optimized one. */
    private static void checkAgainstOriginal(Generated g, Graph optimized, String what, Differential.Backend backend,
                                             Differential.Tolerance tolerance) {
        Function original = g.graph().functions().get(0);
        Map<String, HostTensor> expected;
        try {
            expected = io.jitflow.ir.Interpreter.run(original, g.inputs(), new io.jitflow.ir.VariableStore());
        } catch (io.jitflow.ir.EvaluationException e) {
            Differential.check(optimized, optimized.functions().get(0), g.inputs(), what, backend, tolerance);
            return;
        }
        Map<String, HostTensor> actual = backend.run(optimized.functions().get(0), optimized.inferenceContext(), g.inputs(),
                new io.jitflow.ir.VariableStore());
        expected.forEach((name, e) -> Differential.assertSame(e, actual.get(name), what + "\noutput " + name, tolerance));
    }

    private static Generated generate(Random random) {
        DType dtype = random.nextInt(4) == 0 ? DType.INT32 : random.nextBoolean() ? DType.FLOAT32 : DType.FLOAT64;
        int a = 1 + random.nextInt(5);
        int b = 1 + random.nextInt(6);
        List<Shape> shapes = List.of(Shape.of(a, b), Shape.of(b), Shape.of(1, b), Shape.of(a, 1), Shape.scalar());
        FunctionBuilder fb = new FunctionBuilder("f", InferenceContext.NO_VARIABLES);
        List<Value> pool = new ArrayList<>();
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        int inputCount = 1 + random.nextInt(3);
        for (int i = 0; i < inputCount; i++) {
            Shape shape = i == 0 ? shapes.get(0) : shapes.get(random.nextInt(shapes.size()));
            Value v = fb.input("x" + i, new TensorType(dtype, shape));
            pool.add(v);
            inputs.put(v.name(), RandomTensors.of(dtype, shape.sizes(), random, -4, 4, random.nextInt(4) == 0));
        }
        int nodes = 3 + random.nextInt(10);
        for (int added = 0, tries = 0; added < nodes && tries < 200; tries++) {
            Value v = tryAdd(fb, pool, random, dtype);
            if (v != null) {
                pool.add(v);
                added++;
            }
        }
        fb.output("out", pool.get(pool.size() - 1));
        if (pool.size() > 3 && random.nextBoolean()) {
            fb.output("extra", pool.get(inputCount + random.nextInt(pool.size() - inputCount)));
        }
        return new Generated(Graph.of(List.of(), List.of(fb.build())), inputs);
    }

    private static Value pick(List<Value> pool, Random random) {
        return pool.get(random.nextInt(pool.size()));
    }

    /** One random node over values from the pool, or null if the choice does not type-check. */
    private static Value tryAdd(FunctionBuilder fb, List<Value> pool, Random random, DType dtype) {
        Value x = pick(pool, random);
        Shape s = x.type().shape();
        Attributes.Builder attrs = Attributes.builder();
        try {
            switch (random.nextInt(12)) {
                case 0, 1 -> {
                    Op[] ops = x.type().dtype().isFloating() ? FLOAT_UNARY : INT_UNARY;
                    return fb.add(ops[random.nextInt(ops.length)], x);
                }
                case 2, 3, 4 -> {
                    return fb.add(BINARY[random.nextInt(BINARY.length)], x, pick(pool, random));
                }
                case 5 -> {
                    Value cond = fb.add(Op.GREATER, x, pick(pool, random));
                    return fb.add(Op.SELECT, cond, x, pick(pool, random));
                }
                case 6 -> {
                    if (s.rank() == 0) {
                        return null;
                    }
                    Op[] reductions = {Op.REDUCE_SUM, Op.REDUCE_MAX, Op.REDUCE_MEAN, Op.REDUCE_MIN};
                    attrs.putInts("axes", random.nextInt(s.rank())).put("keepdims", random.nextBoolean());
                    return fb.add(reductions[random.nextInt(reductions.length)], attrs.build(), x);
                }
                case 7 -> {
                    Value y = pick(pool, random);
                    if (s.rank() != 2 || y.type().rank() != 2) {
                        return null;
                    }
                    attrs.put("transpose_a", random.nextBoolean()).put("transpose_b", random.nextBoolean());
                    return fb.add(Op.MATMUL, attrs.build(), x, y);
                }
                case 8 -> {
                    return s.rank() == 2 ? fb.add(Op.TRANSPOSE, x)
                            : fb.add(Op.RESHAPE, attrs.put("shape", new Attr.ShapeAttr(List.of(Dim.of(1), Dim.of(1)),
                                    List.of(0))).build(), x);
                }
                case 9 -> {
                    if (s.rank() == 0 || !x.type().dtype().isFloating()) {
                        return null;
                    }
                    return fb.add(random.nextBoolean() ? Op.SOFTMAX : Op.LOG_SOFTMAX, x);
                }
                case 10 -> {
                    if (s.rank() == 0) {
                        return null;
                    }
                    int last = s.rank() - 1;
                    long[] begin = new long[s.rank()];
                    long[] end = new long[s.rank()];
                    long[] strides = new long[s.rank()];
                    java.util.Arrays.fill(strides, 1);
                    end[last] = -1;
                    strides[last] = random.nextBoolean() ? 1 : -1;
                    long mask = ((1L << s.rank()) - 1) & ~(1L << last);
                    attrs.putInts("begin", begin).putInts("end", end).putInts("strides", strides)
                            .put("begin_mask", mask).put("end_mask", mask);
                    return fb.add(Op.SLICE, attrs.build(), x);
                }
                default -> {
                    if (s.rank() == 0) {
                        return null;
                    }
                    return random.nextBoolean() ? fb.add(Op.CONCAT, attrs.put("axis", 0).build(), x, x)
                            : fb.add(Op.PAD, attrs.putInts("paddings", padding(s.rank(), random)).build(), x);
                }
            }
        } catch (OpTypeException e) {
            return null;
        }
    }

    private static long[] padding(int rank, Random random) {
        long[] p = new long[2 * rank];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextInt(2);
        }
        return p;
    }
}
