package io.jitflow;

import static io.jitflow.Jf.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.grad.Gradients;
import io.jitflow.ir.grad.OpValue;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every differentiable op's gradient against central finite differences in float64, first and
 * second order, on shapes that broadcast and reduce. The table must name every op whose gradient
 * rule is not {@link Gradients#NONE}.
 */
class GradientCheckTest {
    private static final double EPS = 1e-6;

    /** An input: its shape and the interval its values are drawn from (|x| >= gap keeps clear of kinks). */
    record Input(int[] shape, double lo, double hi, double gap) {
    }

    record Case(String name, Set<Op> ops, List<Input> inputs, Function<List<Tensor>, Tensor> f) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Input in(double lo, double hi, int... shape) {
        return new Input(shape, lo, hi, 0);
    }

    private static Input away(double gap, int... shape) {
        return new Input(shape, -2, 2, gap);
    }

    private static Case unary(Op op, Input input, Function<Tensor, Tensor> f) {
        return new Case(op.mnemonic(), EnumSet.of(op), List.of(input), xs -> f.apply(xs.get(0)));
    }

    private static Case binary(Op op, Input a, Input b, java.util.function.BinaryOperator<Tensor> f) {
        return new Case(op.mnemonic(), EnumSet.of(op), List.of(a, b), xs -> f.apply(xs.get(0), xs.get(1)));
    }

    static List<Case> cases() {
        Tensor cond = constant(new boolean[][] {{true, false, true}, {false, false, true}});
        Tensor indices = constant(new int[] {2, 0, 2});
        List<Case> c = new ArrayList<>();
        c.add(unary(Op.NEG, in(-2, 2, 2, 3), Jf::neg));
        c.add(unary(Op.ABS, away(0.2, 2, 3), Jf::abs));
        c.add(unary(Op.EXP, in(-2, 2, 2, 3), Jf::exp));
        c.add(unary(Op.EXPM1, in(-2, 2, 2, 3), Jf::expm1));
        c.add(unary(Op.LOG, in(0.5, 3, 2, 3), Jf::log));
        c.add(unary(Op.LOG1P, in(-0.5, 3, 2, 3), Jf::log1p));
        c.add(unary(Op.SQRT, in(0.5, 3, 2, 3), Jf::sqrt));
        c.add(unary(Op.RSQRT, in(0.5, 3, 2, 3), Jf::rsqrt));
        c.add(unary(Op.SQUARE, in(-2, 2, 2, 3), Jf::square));
        c.add(unary(Op.RECIPROCAL, in(0.5, 3, 2, 3), Jf::reciprocal));
        c.add(unary(Op.SIN, in(-3, 3, 2, 3), Jf::sin));
        c.add(unary(Op.COS, in(-3, 3, 2, 3), Jf::cos));
        c.add(unary(Op.TANH, in(-2, 2, 2, 3), Jf::tanh));
        c.add(unary(Op.SIGMOID, in(-3, 3, 2, 3), Jf::sigmoid));
        c.add(unary(Op.RELU, away(0.2, 2, 3), Jf::relu));
        c.add(unary(Op.LEAKY_RELU, away(0.2, 2, 3), x -> Jf.leakyRelu(x, 0.3)));
        c.add(unary(Op.ELU, away(0.2, 2, 3), Jf::elu));
        c.add(unary(Op.SELU, away(0.2, 2, 3), Jf::selu));
        c.add(unary(Op.SOFTPLUS, in(-3, 3, 2, 3), Jf::softplus));
        c.add(new Case("gelu exact", EnumSet.of(Op.GELU), List.of(in(-3, 3, 2, 3)), xs -> Jf.gelu(xs.get(0), false)));
        c.add(new Case("gelu approximate", EnumSet.of(Op.GELU), List.of(in(-3, 3, 2, 3)), xs -> Jf.gelu(xs.get(0), true)));
        c.add(unary(Op.ERF, in(-2, 2, 2, 3), Jf::erf));
        c.add(unary(Op.CAST, in(-2, 2, 2, 3), x -> x.cast(DType.FLOAT64)));
        c.add(binary(Op.ADD, in(-2, 2, 2, 3), in(-2, 2, 3), Jf::add));
        c.add(binary(Op.SUB, in(-2, 2, 2, 1), in(-2, 2, 3), Jf::sub));
        c.add(binary(Op.MUL, in(-2, 2, 2, 3), in(-2, 2, 2, 1), Jf::mul));
        c.add(binary(Op.DIV, in(-2, 2, 2, 3), in(0.5, 2, 3), Jf::div));
        c.add(binary(Op.MOD, in(2.0, 2.5, 2, 3), in(1.3, 1.9, 3), Jf::mod));
        c.add(binary(Op.POW, in(0.5, 2, 2, 3), in(-1, 2, 3), Jf::pow));
        c.add(binary(Op.MAXIMUM, in(-2, 2, 2, 3), in(-2, 2, 3), Jf::maximum));
        c.add(binary(Op.MINIMUM, in(-2, 2, 2, 3), in(-2, 2, 2, 1), Jf::minimum));
        c.add(new Case("select", EnumSet.of(Op.SELECT), List.of(in(-2, 2, 2, 3), in(-2, 2, 3)),
                xs -> Jf.where(cond, xs.get(0), xs.get(1))));
        c.add(new Case("clip", EnumSet.of(Op.CLIP), List.of(in(-2, 2, 2, 3), in(-0.8, -0.6, 3), in(0.6, 0.8)),
                xs -> Jf.clip(xs.get(0), xs.get(1), xs.get(2))));
        c.add(new Case("reduce_sum", EnumSet.of(Op.REDUCE_SUM), List.of(in(-2, 2, 2, 3, 2)), xs -> Jf.reduceSum(xs.get(0), 1)));
        c.add(new Case("reduce_mean keepdims", EnumSet.of(Op.REDUCE_MEAN), List.of(in(-2, 2, 2, 3)),
                xs -> Jf.reduceMean(xs.get(0), true, 0)));
        c.add(new Case("reduce_prod", EnumSet.of(Op.REDUCE_PROD), List.of(in(0.5, 1.5, 2, 3)), xs -> Jf.reduceProd(xs.get(0), 1)));
        c.add(new Case("reduce_prod with a zero", EnumSet.of(Op.REDUCE_PROD), List.of(in(0.5, 1.5, 2, 3)),
                xs -> Jf.reduceProd(xs.get(0).mul(constant(new double[] {1, 0, 1})), 1)));
        c.add(new Case("reduce_max", EnumSet.of(Op.REDUCE_MAX), List.of(in(-2, 2, 2, 3)), xs -> Jf.reduceMax(xs.get(0), 1)));
        c.add(new Case("reduce_min", EnumSet.of(Op.REDUCE_MIN), List.of(in(-2, 2, 2, 3)), xs -> Jf.reduceMin(xs.get(0))));
        c.add(new Case("matmul", EnumSet.of(Op.MATMUL), List.of(in(-1, 1, 2, 3), in(-1, 1, 3, 4)),
                xs -> Jf.matmul(xs.get(0), xs.get(1))));
        c.add(new Case("matmul transposed a", EnumSet.of(Op.MATMUL), List.of(in(-1, 1, 3, 2), in(-1, 1, 3, 4)),
                xs -> Jf.matmul(xs.get(0), xs.get(1), true, false)));
        c.add(new Case("matmul transposed b", EnumSet.of(Op.MATMUL), List.of(in(-1, 1, 2, 3), in(-1, 1, 4, 3)),
                xs -> Jf.matmul(xs.get(0), xs.get(1), false, true)));
        c.add(new Case("matmul both transposed, batch broadcast", EnumSet.of(Op.MATMUL),
                List.of(in(-1, 1, 2, 3, 2), in(-1, 1, 4, 3)), xs -> Jf.matmul(xs.get(0), xs.get(1), true, true)));
        c.add(new Case("conv 2d, same padding, strided", EnumSet.of(Op.CONV), List.of(in(-1, 1, 2, 5, 4, 3),
                in(-1, 1, 3, 2, 3, 4)), xs -> Jf.conv(xs.get(0), xs.get(1), Window.same().strides(2, 1))));
        c.add(new Case("conv 1d, channels first, dilated, strided past the end", EnumSet.of(Op.CONV),
                List.of(in(-1, 1, 2, 3, 8), in(-1, 1, 2, 3, 2)),
                xs -> Jf.conv(xs.get(0), xs.get(1), Window.pads(1, 0).dilations(2).strides(3).channelsFirst())));
        c.add(new Case("conv 2d, groups", EnumSet.of(Op.CONV), List.of(in(-1, 1, 1, 4, 4, 4), in(-1, 1, 2, 2, 2, 4)),
                xs -> Jf.conv(xs.get(0), xs.get(1), Window.valid().groups(2))));
        c.add(new Case("conv 3d", EnumSet.of(Op.CONV), List.of(in(-1, 1, 1, 3, 3, 3, 2), in(-1, 1, 2, 2, 2, 2, 2)),
                xs -> Jf.conv(xs.get(0), xs.get(1), Window.valid())));
        c.add(new Case("conv_transpose 2d, same, strided", EnumSet.of(Op.CONV_TRANSPOSE),
                List.of(in(-1, 1, 2, 3, 2, 3), in(-1, 1, 3, 3, 2, 3)),
                xs -> Jf.convTranspose(xs.get(0), xs.get(1), Window.same().strides(2, 2))));
        c.add(new Case("conv_transpose 1d, groups", EnumSet.of(Op.CONV_TRANSPOSE),
                List.of(in(-1, 1, 2, 4, 4), in(-1, 1, 3, 1, 4)),
                xs -> Jf.convTranspose(xs.get(0), xs.get(1), Window.valid().strides(2).groups(2))));
        // Distinct values a step apart, so no window has a near tie for its largest.
        c.add(unary(Op.MAX_POOL, in(-2, 2, 2, 4, 5, 2), x -> Jf.maxPool(x.add(ramp(x)), new int[] {2, 2},
                Window.same().strides(2, 2)).square()));
        c.add(unary(Op.AVG_POOL, in(-2, 2, 2, 5, 4, 3), x -> Jf.avgPool(x, new int[] {3, 2}, Window.same()).square()));
        c.add(new Case("max_pool_grad and max_pool_select", EnumSet.of(Op.MAX_POOL_GRAD, Op.MAX_POOL_SELECT),
                List.of(in(-2, 2, 1, 4, 4, 2)), xs -> {
                    Tensor x = xs.get(0).add(ramp(xs.get(0)));
                    Tensor dy = Jf.maxPool(x, new int[] {2, 2}, Window.valid()).square();
                    return Jf.op(Op.MAX_POOL_GRAD, io.jitflow.ir.Attributes.builder().putInts("window", 2, 2).build(), x,
                            dy).square();
                }));
        c.add(new Case("batch_norm, channels first, batch moments", EnumSet.of(Op.BATCH_NORM),
                List.of(in(-2, 2, 3, 2, 4), in(0.5, 1.5, 2), in(-1, 1, 2)), xs -> {
                    Tensor x = xs.get(0);
                    Tensor mean = Jf.reduceMean(x, 0, 2);
                    Tensor variance = Jf.reduceMean(x.sub(mean.reshape(1, 2, 1)).square(), 0, 2);
                    return Jf.batchNorm(x, xs.get(1), xs.get(2), mean, variance, 1, 1e-3);
                }));
        c.add(new Case("batch_norm, given statistics", EnumSet.of(Op.BATCH_NORM),
                List.of(in(-2, 2, 2, 3), in(0.5, 1.5, 3), in(-1, 1, 3), in(-1, 1, 3), in(0.5, 2, 3)),
                xs -> Jf.batchNorm(xs.get(0), xs.get(1), xs.get(2), xs.get(3), xs.get(4), -1, 1e-3)));
        c.add(new Case("layer_norm", EnumSet.of(Op.LAYER_NORM), List.of(in(-2, 2, 2, 3, 4), in(0.5, 1.5, 3, 4),
                in(-1, 1, 3, 4)), xs -> Jf.layerNorm(xs.get(0), xs.get(1), xs.get(2), 1, 1e-3)));
        c.add(unary(Op.RESIZE, in(-2, 2, 2, 3, 2, 2), x -> Jf.resize(x, new int[] {5, 4}, "bilinear", "half_pixel")
                .square()));
        c.add(unary(Op.SOFTMAX, in(-2, 2, 2, 3), Jf::softmax));
        c.add(new Case("log_softmax axis 0", EnumSet.of(Op.LOG_SOFTMAX), List.of(in(-2, 2, 2, 3)),
                xs -> Jf.logSoftmax(xs.get(0), 0)));
        c.add(unary(Op.RESHAPE, in(-2, 2, 2, 3), x -> x.reshape(3, -1).mul(x.reshape(3, 2))));
        c.add(unary(Op.TRANSPOSE, in(-2, 2, 2, 3, 4), x -> Jf.transpose(x, 1, 2, 0)));
        c.add(unary(Op.EXPAND_DIMS, in(-2, 2, 2, 3), x -> Jf.expandDims(x, 1).mul(x.reshape(2, 1, 3))));
        c.add(unary(Op.SQUEEZE, in(-2, 2, 2, 1, 3), x -> Jf.squeeze(x).square()));
        c.add(unary(Op.BROADCAST_TO, in(-2, 2, 3, 1), x -> Jf.broadcastTo(x, 2, 3, 4)));
        c.add(new Case("concat", EnumSet.of(Op.CONCAT), List.of(in(-2, 2, 2, 3), in(-2, 2, 2, 1)),
                xs -> Jf.concat(xs, 1).square()));
        c.add(unary(Op.SLICE, in(-2, 2, 4, 3), x -> x.slice("::-2, 1:").square()));
        c.add(new Case("slice_update", EnumSet.of(Op.SLICE_UPDATE), List.of(in(-2, 2, 3, 3), in(-2, 2, 3)),
                xs -> Jf.op(Op.SLICE_UPDATE, Slicer.of(xs.get(0).type().shape(), Index.parse("1")).sliceAttributes,
                        xs.get(0), xs.get(1).reshape(1, 3)).square()));
        c.add(unary(Op.PAD, in(-2, 2, 2, 3), x -> Jf.pad(x, new int[][] {{1, 0}, {2, 1}}).square()));
        c.add(unary(Op.TILE, in(-2, 2, 2, 3), x -> Jf.tile(x, 2, 3).square()));
        c.add(unary(Op.GATHER, in(-2, 2, 3, 2), x -> Jf.gather(x, indices, 0).square()));
        c.add(new Case("scatter_add", EnumSet.of(Op.SCATTER_ADD), List.of(in(-2, 2, 3, 2), in(-2, 2, 3, 2)),
                xs -> Jf.op(Op.SCATTER_ADD, io.jitflow.ir.Attributes.empty(), xs.get(0), indices, xs.get(1)).square()));
        c.add(unary(Op.FILL, in(-2, 2), x -> Jf.op(Op.FILL, io.jitflow.ir.Attributes.builder()
                .put("shape", io.jitflow.ir.Shape.of(2, 3)).build(), x).square()));
        c.addAll(controlFlowCases());
        return c;
    }

    /**
     * cond, scan and while applied as ops (eagerly, each a one-op program with its regions), so
     * that their gradient rules, not the Java lambdas of Jf.cond and friends, are what is checked.
     */
    private static List<Case> controlFlowCases() {
        io.jitflow.ir.TensorType m23 = io.jitflow.ir.TensorType.of(DType.FLOAT64, 2, 3);
        io.jitflow.ir.TensorType v3 = io.jitflow.ir.TensorType.of(DType.FLOAT64, 3);
        io.jitflow.ir.TensorType i32 = io.jitflow.ir.TensorType.of(DType.INT32);
        List<io.jitflow.ir.Function> branches = List.of(
                region("then", List.of(m23, m23), (b, a) -> List.of(b.mul(b.one(Op.SIN, a.get(0)), a.get(1)))),
                region("else", List.of(m23, m23), (b, a) -> List.of(b.add(b.mul(a.get(0), a.get(0)), a.get(1)))));
        List<Case> c = new ArrayList<>();
        for (boolean taken : new boolean[] {true, false}) {
            c.add(new Case("cond " + taken, EnumSet.of(Op.COND), List.of(in(-2, 2, 2, 3), in(-2, 2, 2, 3)),
                    xs -> apply(Op.COND, io.jitflow.ir.Attributes.empty(), branches, constant(taken), xs.get(0), xs.get(1))));
        }
        // h' = tanh(h * w + x_t), y_t = h' * x_t; the result adds the final h to every step's y.
        io.jitflow.ir.Function rnn = region("body", List.of(v3, v3, v3), (b, a) -> {
            OpValue h = b.one(Op.TANH, b.add(b.mul(a.get(0), a.get(2)), a.get(1)));
            return List.of(h, b.mul(h, a.get(1)));
        });
        for (boolean reverse : new boolean[] {false, true}) {
            io.jitflow.ir.Attributes attrs = io.jitflow.ir.Attributes.builder().put("carried", 1L).put("scanned", 1L)
                    .put("reverse", reverse).build();
            c.add(new Case("scan" + (reverse ? " reverse" : ""), EnumSet.of(Op.SCAN),
                    List.of(in(-1, 1, 3), in(-1, 1, 4, 3), in(-1.5, 1.5, 3)), xs -> {
                        List<Tensor> r = ExecutionContext.dispatch(Op.SCAN, attrs, xs, List.of(rnn));
                        return r.get(1).add(r.get(0));
                    }));
        }
        // while i < 3 (at most 5 iterations): v = v * w + sin(v).
        List<io.jitflow.ir.Function> loop = List.of(
                region("cond", List.of(i32, v3, v3), (b, a) -> List.of(b.one(Op.LESS, a.get(0),
                        b.constant(HostTensor.scalar(DType.INT32, 3))))),
                region("body", List.of(i32, v3, v3), (b, a) -> List.of(
                        b.add(a.get(0), b.constant(HostTensor.scalar(DType.INT32, 1))),
                        b.add(b.mul(a.get(1), a.get(2)), b.one(Op.SIN, a.get(1))))));
        c.add(new Case("while", EnumSet.of(Op.WHILE), List.of(in(-1, 1, 3), in(-1, 1, 3)),
                xs -> ExecutionContext.dispatch(Op.WHILE, io.jitflow.ir.Attributes.builder().put("max_iterations", 5L).build(),
                        List.of(Jf.constant(0), xs.get(0), xs.get(1)), loop).get(1)));
        return c;
    }

    private interface RegionBody {
        List<OpValue> build(io.jitflow.ir.grad.RegionBuilder b, List<OpValue> args);
    }

    private static io.jitflow.ir.Function region(String name, List<io.jitflow.ir.TensorType> types, RegionBody body) {
        io.jitflow.ir.grad.RegionBuilder b = new io.jitflow.ir.grad.RegionBuilder(name);
        List<OpValue> args = new ArrayList<>();
        types.forEach(t -> args.add(b.input(t)));
        return b.build(body.build(b, args));
    }

    private static Tensor apply(Op op, io.jitflow.ir.Attributes attrs, List<io.jitflow.ir.Function> regions,
                                Tensor... operands) {
        return ExecutionContext.dispatch(op, attrs, List.of(operands), regions).get(0);
    }

    /** 0, 10, 20, ... in {@code x}'s shape: added to values in [-2, 2], it orders them with gaps of at least 6. */
    private static Tensor ramp(Tensor x) {
        return Jf.range(0.0, x.size() * 10.0, 10.0).reshape(x.shape());
    }

    static Stream<Case> caseStream() {
        return cases().stream();
    }

    @Test
    void everyDifferentiableOpHasACase() {
        Set<Op> covered = EnumSet.noneOf(Op.class);
        cases().forEach(c -> covered.addAll(c.ops()));
        Set<Op> differentiable = EnumSet.noneOf(Op.class);
        for (Op op : Op.values()) {
            if (Gradients.rule(op) != Gradients.NONE) {
                differentiable.add(op);
            }
        }
        differentiable.removeAll(covered);
        assertEquals(Set.of(), differentiable, "differentiable ops without a gradient check");
    }

    private static List<Tensor> inputs(Case c, long seed) {
        Random random = new Random(seed);
        List<Tensor> xs = new ArrayList<>();
        for (Input in : c.inputs()) {
            HostTensor.Writer w = HostTensor.writer(DType.FLOAT64, in.shape());
            int n = io.jitflow.ir.Shape.checkedElementCount(in.shape());
            for (int i = 0; i < n; i++) {
                double v;
                do {
                    v = in.lo() + (in.hi() - in.lo()) * random.nextDouble();
                } while (Math.abs(v) < in.gap());
                w.setDouble(i, v);
            }
            xs.add(Tensor.of(w.build()));
        }
        return xs;
    }

    /** sum(f(xs) * weights): a scalar whose gradient sees a non-uniform upstream gradient. */
    private static Tensor weighted(Case c, List<Tensor> xs, long seed) {
        Tensor y = c.f().apply(xs);
        Tensor weights = Jf.randomUniform(y.shape(), 0.5, 1.5, seed, DType.FLOAT64);
        return y.mul(weights).sum();
    }

    private static List<Tensor> analyticGradient(Case c, List<Tensor> xs) {
        try (GradientTape tape = new GradientTape()) {
            tape.watch(xs.toArray(new Operand[0]));
            return tape.gradient(weighted(c, xs, 99), xs);
        }
    }

    /** Central differences of {@code scalar} with respect to every element of every input. */
    private static List<double[]> numericGradient(List<Tensor> xs, Function<List<Tensor>, Tensor> scalar) {
        List<double[]> grads = new ArrayList<>();
        for (int k = 0; k < xs.size(); k++) {
            double[] base = xs.get(k).toDoubleArray();
            double[] g = new double[base.length];
            for (int i = 0; i < base.length; i++) {
                g[i] = (scalar.apply(replaced(xs, k, base, i, EPS)).doubleValue()
                        - scalar.apply(replaced(xs, k, base, i, -EPS)).doubleValue()) / (2 * EPS);
            }
            grads.add(g);
        }
        return grads;
    }

    private static List<Tensor> replaced(List<Tensor> xs, int k, double[] base, int i, double delta) {
        double[] moved = base.clone();
        moved[i] += delta;
        List<Tensor> copy = new ArrayList<>(xs);
        copy.set(k, Tensor.of(HostTensor.of(moved, xs.get(k).shape())));
        return copy;
    }

    private static void assertGradientsClose(String what, List<double[]> expected, List<Tensor> actual, double tolerance) {
        for (int k = 0; k < expected.size(); k++) {
            assertNotNull(actual.get(k), what + ": no gradient for input " + k);
            double[] a = actual.get(k).toDoubleArray();
            for (int i = 0; i < a.length; i++) {
                double e = expected.get(k)[i];
                assertEquals(e, a[i], tolerance * Math.max(1, Math.abs(e)),
                        what + ": d/dinput" + k + "[" + i + "]");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("caseStream")
    void firstOrderMatchesFiniteDifferences(Case c) {
        List<Tensor> xs = inputs(c, 1);
        List<double[]> numeric = numericGradient(xs, in -> weighted(c, in, 99));
        assertGradientsClose(c.name(), numeric, analyticGradient(c, xs), 1e-6);
    }

    /** G(x) = sum(grad f(x) * v); its gradient (through a tape around a tape) against G's finite differences. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("caseStream")
    void secondOrderMatchesFiniteDifferences(Case c) {
        List<Tensor> xs = inputs(c, 2);
        Function<List<Tensor>, Tensor> secondScalar = in -> {
            List<Tensor> g = analyticGradient(c, in);
            Tensor total = constant(0.0);
            for (int k = 0; k < g.size(); k++) {
                total = total.add(g.get(k).mul(Jf.randomUniform(g.get(k).shape(), 0.5, 1.5, 7 + k, DType.FLOAT64)).sum());
            }
            return total;
        };
        List<double[]> numeric = numericGradient(xs, secondScalar);
        List<Tensor> analytic;
        try (GradientTape outer = new GradientTape()) {
            outer.watch(xs.toArray(new Operand[0]));
            Tensor g = secondScalar.apply(xs);
            analytic = outer.gradient(g, xs, GradientTape.UnconnectedGradients.ZERO);
        }
        assertGradientsClose(c.name() + " (second order)", numeric, analytic, 1e-5);
    }
}
