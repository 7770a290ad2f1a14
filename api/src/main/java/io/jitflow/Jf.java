package io.jitflow;

import io.jitflow.ir.Attr;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.npy.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The op set as static functions, TensorFlow's {@code tf.*} for Java: {@code import static
 * io.jitflow.Jf.*;} then {@code matmul(x, w).add(b)}. Operands of different dtypes are an error;
 * {@link #cast} is the only conversion. Java scalars given to a method such as
 * {@link Operand#mul(double)} take the tensor's dtype, as Python scalars do in TensorFlow.
 */
public final class Jf {
    private Jf() {
    }

    private static final ThreadLocal<SplittableRandom> SEEDS = ThreadLocal.withInitial(() -> new SplittableRandom(0));

    static Tensor op(Op op, Attributes attrs, Operand... operands) {
        Tensor[] tensors = new Tensor[operands.length];
        for (int i = 0; i < operands.length; i++) {
            tensors[i] = operands[i].asTensor();
        }
        return ExecutionContext.dispatchOne(op, attrs, tensors);
    }

    static Tensor op(Op op, Operand... operands) {
        return op(op, Attributes.empty(), operands);
    }

    private static Attributes.Builder attrs() {
        return Attributes.builder();
    }

    // ---- creation ----

    /**
     * A tensor of a Java value: a scalar or a rectangular array of any rank of float (float32),
     * double (float64), int (int32), long (int64), boolean (bool) or byte (uint8, read unsigned).
     */
    public static Tensor constant(Object value) {
        return constantTensor(JavaArrays.fromNested(value, null));
    }

    /** As {@link #constant(Object)}, converted to {@code dtype}. */
    public static Tensor constant(Object value, DType dtype) {
        return constantTensor(JavaArrays.fromNested(value, dtype));
    }

    /**
     * Runs {@code body} eagerly, even inside a function being traced (TensorFlow's init_scope):
     * for values made once, such as the initial weights of a layer first built during a trace.
     */
    public static <T> T eagerly(java.util.function.Supplier<T> body) {
        try (ExecutionContext.Scope scope = ExecutionContext.enter(EagerContext.INSTANCE)) {
            return body.get();
        }
    }

    public static Tensor constant(HostTensor value) {
        return constantTensor(value);
    }

    private static Tensor constantTensor(HostTensor value) {
        return ExecutionContext.current().constantTensor(value);
    }

    /** A scalar of {@code like}'s dtype: how Java numbers meet tensors. */
    static Tensor scalarLike(Operand like, double value) {
        DType dtype = like.asTensor().dtype();
        if (!dtype.isFloating() && value != Math.rint(value)) {
            throw new IllegalArgumentException("cannot use " + value + " with a " + dtype + " tensor: it is not an integer");
        }
        return constantTensor(HostTensor.scalar(dtype, value));
    }

    public static Tensor fill(DType dtype, double value, int... shape) {
        return op(Op.FILL, attrs().put("shape", Shape.of(shape)).build(), constantTensor(HostTensor.scalar(dtype, value)));
    }

    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        return fill(dtype, 0, shape);
    }

    public static Tensor ones(int... shape) {
        return ones(DType.FLOAT32, shape);
    }

    public static Tensor ones(DType dtype, int... shape) {
        return fill(dtype, 1, shape);
    }

    public static Tensor zerosLike(Operand x) {
        return fillLike(x, 0);
    }

    public static Tensor onesLike(Operand x) {
        return fillLike(x, 1);
    }

    private static Tensor fillLike(Operand x, double value) {
        Tensor t = x.asTensor();
        return op(Op.FILL, attrs().put("shape", t.type().shape()).build(), scalarLike(t, value));
    }

    /**
     * x's shape as an int32 vector, as {@code tf.shape(x)}: in a traced function, a dim unknown
     * until the call (the batch under a TensorSpec) gets its size from each call, where
     * {@link Tensor#shape()} says -1.
     */
    public static Tensor shape(Operand x) {
        Shape shape = x.asTensor().type().shape();
        List<Tensor> dims = new ArrayList<>();
        for (Dim d : shape.dims()) {
            // No op reads a shape, so an unknown dim is counted: the sum of a vector of ones that long.
            dims.add(d.isStatic() ? constant(d.size()) : reduceSum(op(Op.FILL, attrs().put("shape", Shape.of(d)).build(),
                    constantTensor(HostTensor.scalar(DType.INT32, 1)))));
        }
        return dims.isEmpty() ? constant(new int[0]) : stack(dims, 0);
    }

    /** 0, 1, ..., limit - 1 as int32. */
    public static Tensor range(int limit) {
        return range(0, limit, 1);
    }

    public static Tensor range(int start, int limit, int delta) {
        return rangeOf(start, limit, delta, DType.INT32);
    }

    public static Tensor range(float start, float limit, float delta) {
        return rangeOf(start, limit, delta, DType.FLOAT32);
    }

    public static Tensor range(double start, double limit, double delta) {
        return rangeOf(start, limit, delta, DType.FLOAT64);
    }

    private static Tensor rangeOf(double start, double limit, double delta, DType dtype) {
        return op(Op.RANGE, attrs().put("start", start).put("limit", limit).put("delta", delta).put("dtype", dtype).build());
    }

    /** {@code num} evenly spaced float32 values from start to stop, both included. */
    public static Tensor linspace(double start, double stop, int num) {
        return linspace(start, stop, num, DType.FLOAT32);
    }

    public static Tensor linspace(double start, double stop, int num, DType dtype) {
        if (num < 1) {
            throw new IllegalArgumentException("linspace needs num >= 1, got " + num);
        }
        Tensor steps = rangeOf(0, num, 1, dtype);
        if (num == 1) {
            return add(mul(steps, 0), start);
        }
        return add(mul(steps, (stop - start) / (num - 1)), start);
    }

    /** The n by n identity matrix (float32). */
    public static Tensor eye(int n) {
        return eye(n, DType.FLOAT32);
    }

    public static Tensor eye(int n, DType dtype) {
        return op(Op.ONE_HOT, attrs().put("depth", n).put("dtype", dtype).build(), range(n));
    }

    /** Seeds the stream that random ops without an explicit seed draw their seeds from (per thread). */
    public static void setRandomSeed(long seed) {
        SEEDS.set(new SplittableRandom(seed));
    }

    /** The next seed from this thread's stream (see {@link #setRandomSeed}), for seeded initializers. */
    public static long nextSeed() {
        return SEEDS.get().nextLong();
    }

    public static Tensor randomUniform(int[] shape, double min, double max) {
        return randomUniform(shape, min, max, nextSeed(), DType.FLOAT32);
    }

    public static Tensor randomUniform(int[] shape, double min, double max, long seed, DType dtype) {
        return op(Op.RANDOM_UNIFORM, attrs().put("shape", Shape.of(shape)).put("minval", min).put("maxval", max)
                .put("seed", seed).put("dtype", dtype).build());
    }

    public static Tensor randomNormal(int[] shape, double mean, double stddev) {
        return randomNormal(shape, mean, stddev, nextSeed(), DType.FLOAT32);
    }

    public static Tensor randomNormal(int[] shape, double mean, double stddev, long seed, DType dtype) {
        return op(Op.RANDOM_NORMAL, attrs().put("shape", Shape.of(shape)).put("mean", mean).put("stddev", stddev)
                .put("seed", seed).put("dtype", dtype).build());
    }

    public static Tensor truncatedNormal(int[] shape, double mean, double stddev) {
        return truncatedNormal(shape, mean, stddev, nextSeed(), DType.FLOAT32);
    }

    /**
     * Normal samples more than two standard deviations from the mean are drawn again (from the next
     * seed), as TensorFlow's truncated_normal does, until none is left.
     */
    public static Tensor truncatedNormal(int[] shape, double mean, double stddev, long seed, DType dtype) {
        Tensor z = randomNormal(shape, 0, 1, seed, dtype);
        for (long round = 1; ; round++) {
            Tensor outside = greater(abs(z), scalarLike(z, 2));
            if (!reduceAny(outside).booleanValue()) {
                return add(mul(z, stddev), mean);
            }
            z = where(outside, randomNormal(shape, 0, 1, seed + round, dtype), z);
        }
    }

    public static Tensor readNpy(Path file) throws IOException {
        return constantTensor(Npy.read(file));
    }

    // ---- elementwise ----

    public static Tensor neg(Operand x) {
        return op(Op.NEG, x);
    }

    public static Tensor abs(Operand x) {
        return op(Op.ABS, x);
    }

    public static Tensor sign(Operand x) {
        return op(Op.SIGN, x);
    }

    public static Tensor exp(Operand x) {
        return op(Op.EXP, x);
    }

    public static Tensor expm1(Operand x) {
        return op(Op.EXPM1, x);
    }

    public static Tensor log(Operand x) {
        return op(Op.LOG, x);
    }

    public static Tensor log1p(Operand x) {
        return op(Op.LOG1P, x);
    }

    public static Tensor sqrt(Operand x) {
        return op(Op.SQRT, x);
    }

    public static Tensor rsqrt(Operand x) {
        return op(Op.RSQRT, x);
    }

    public static Tensor square(Operand x) {
        return op(Op.SQUARE, x);
    }

    public static Tensor reciprocal(Operand x) {
        return op(Op.RECIPROCAL, x);
    }

    public static Tensor sin(Operand x) {
        return op(Op.SIN, x);
    }

    public static Tensor cos(Operand x) {
        return op(Op.COS, x);
    }

    public static Tensor tanh(Operand x) {
        return op(Op.TANH, x);
    }

    public static Tensor sigmoid(Operand x) {
        return op(Op.SIGMOID, x);
    }

    public static Tensor relu(Operand x) {
        return op(Op.RELU, x);
    }

    public static Tensor leakyRelu(Operand x, double alpha) {
        return op(Op.LEAKY_RELU, attrs().put("alpha", alpha).build(), x);
    }

    public static Tensor elu(Operand x) {
        return op(Op.ELU, x);
    }

    public static Tensor selu(Operand x) {
        return op(Op.SELU, x);
    }

    public static Tensor softplus(Operand x) {
        return op(Op.SOFTPLUS, x);
    }

    public static Tensor gelu(Operand x, boolean approximate) {
        return op(Op.GELU, attrs().put("approximate", approximate).build(), x);
    }

    public static Tensor erf(Operand x) {
        return op(Op.ERF, x);
    }

    public static Tensor floor(Operand x) {
        return op(Op.FLOOR, x);
    }

    public static Tensor ceil(Operand x) {
        return op(Op.CEIL, x);
    }

    /** Round half to even. */
    public static Tensor round(Operand x) {
        return op(Op.ROUND, x);
    }

    public static Tensor logicalNot(Operand x) {
        return op(Op.LOGICAL_NOT, x);
    }

    public static Tensor isNan(Operand x) {
        return op(Op.IS_NAN, x);
    }

    public static Tensor isFinite(Operand x) {
        return op(Op.IS_FINITE, x);
    }

    public static Tensor cast(Operand x, DType dtype) {
        return op(Op.CAST, attrs().put("dtype", dtype).build(), x);
    }

    public static Tensor add(Operand a, Operand b) {
        return op(Op.ADD, a, b);
    }

    public static Tensor add(Operand a, double b) {
        return add(a, scalarLike(a, b));
    }

    public static Tensor sub(Operand a, Operand b) {
        return op(Op.SUB, a, b);
    }

    public static Tensor sub(Operand a, double b) {
        return sub(a, scalarLike(a, b));
    }

    public static Tensor mul(Operand a, Operand b) {
        return op(Op.MUL, a, b);
    }

    public static Tensor mul(Operand a, double b) {
        return mul(a, scalarLike(a, b));
    }

    /**
     * True division, as TensorFlow's {@code /}: integers give floats (uint8 to float32, int32 and
     * int64 to float64), so {@code pixels.div(255.0)} on uint8 images gives float32 values in [0, 1];
     * {@link #floorDiv} is the integer division.
     */
    public static Tensor div(Operand a, Operand b) {
        return op(Op.DIV, a, b);
    }

    public static Tensor div(Operand a, double b) {
        return div(a, scalarLike(a, b));
    }

    public static Tensor floorDiv(Operand a, Operand b) {
        return op(Op.FLOOR_DIV, a, b);
    }

    public static Tensor mod(Operand a, Operand b) {
        return op(Op.MOD, a, b);
    }

    public static Tensor pow(Operand a, Operand b) {
        return op(Op.POW, a, b);
    }

    public static Tensor pow(Operand a, double b) {
        return pow(a, scalarLike(a, b));
    }

    public static Tensor maximum(Operand a, Operand b) {
        return op(Op.MAXIMUM, a, b);
    }

    public static Tensor minimum(Operand a, Operand b) {
        return op(Op.MINIMUM, a, b);
    }

    public static Tensor equal(Operand a, Operand b) {
        return op(Op.EQUAL, a, b);
    }

    public static Tensor notEqual(Operand a, Operand b) {
        return op(Op.NOT_EQUAL, a, b);
    }

    public static Tensor less(Operand a, Operand b) {
        return op(Op.LESS, a, b);
    }

    public static Tensor lessEqual(Operand a, Operand b) {
        return op(Op.LESS_EQUAL, a, b);
    }

    public static Tensor greater(Operand a, Operand b) {
        return op(Op.GREATER, a, b);
    }

    public static Tensor greaterEqual(Operand a, Operand b) {
        return op(Op.GREATER_EQUAL, a, b);
    }

    public static Tensor logicalAnd(Operand a, Operand b) {
        return op(Op.LOGICAL_AND, a, b);
    }

    public static Tensor logicalOr(Operand a, Operand b) {
        return op(Op.LOGICAL_OR, a, b);
    }

    public static Tensor logicalXor(Operand a, Operand b) {
        return op(Op.LOGICAL_XOR, a, b);
    }

    /** {@code x} where {@code cond} is true, else {@code y}; all three broadcast (tf.where). */
    public static Tensor where(Operand cond, Operand x, Operand y) {
        return op(Op.SELECT, cond, x, y);
    }

    public static Tensor clip(Operand x, Operand min, Operand max) {
        return op(Op.CLIP, x, min, max);
    }

    public static Tensor clip(Operand x, double min, double max) {
        return clip(x, scalarLike(x, min), scalarLike(x, max));
    }

    // ---- reductions ----

    private static Attributes reduction(boolean keepdims, int... axes) {
        Attributes.Builder b = attrs().put("keepdims", keepdims);
        if (axes.length > 0) {
            b.putInts("axes", java.util.Arrays.stream(axes).asLongStream().toArray());
        }
        return b.build();
    }

    /** The sum over {@code axes} (all axes when none are given). */
    public static Tensor reduceSum(Operand x, int... axes) {
        return op(Op.REDUCE_SUM, reduction(false, axes), x);
    }

    public static Tensor reduceSum(Operand x, boolean keepdims, int... axes) {
        return op(Op.REDUCE_SUM, reduction(keepdims, axes), x);
    }

    public static Tensor reduceMean(Operand x, int... axes) {
        return op(Op.REDUCE_MEAN, reduction(false, axes), x);
    }

    public static Tensor reduceMean(Operand x, boolean keepdims, int... axes) {
        return op(Op.REDUCE_MEAN, reduction(keepdims, axes), x);
    }

    public static Tensor reduceMax(Operand x, int... axes) {
        return op(Op.REDUCE_MAX, reduction(false, axes), x);
    }

    public static Tensor reduceMax(Operand x, boolean keepdims, int... axes) {
        return op(Op.REDUCE_MAX, reduction(keepdims, axes), x);
    }

    public static Tensor reduceMin(Operand x, int... axes) {
        return op(Op.REDUCE_MIN, reduction(false, axes), x);
    }

    public static Tensor reduceProd(Operand x, int... axes) {
        return op(Op.REDUCE_PROD, reduction(false, axes), x);
    }

    public static Tensor reduceAny(Operand x, int... axes) {
        return op(Op.REDUCE_ANY, reduction(false, axes), x);
    }

    public static Tensor reduceAll(Operand x, int... axes) {
        return op(Op.REDUCE_ALL, reduction(false, axes), x);
    }

    /** The int64 index of the first maximum along {@code axis}. */
    public static Tensor argmax(Operand x, int axis) {
        return op(Op.ARGMAX, attrs().put("axis", axis).build(), x);
    }

    public static Tensor argmin(Operand x, int axis) {
        return op(Op.ARGMIN, attrs().put("axis", axis).build(), x);
    }

    // ---- linear algebra and normalization ----

    public static Tensor matmul(Operand a, Operand b) {
        return op(Op.MATMUL, a, b);
    }

    public static Tensor matmul(Operand a, Operand b, boolean transposeA, boolean transposeB) {
        return op(Op.MATMUL, attrs().put("transpose_a", transposeA).put("transpose_b", transposeB).build(), a, b);
    }

    // ---- convolution and pooling (see Window) ----

    /**
     * Convolves {@code x} ([batch, spatial..., channels], or channels first) with {@code filter}
     * ([k..., in_channels / groups, out_channels]) over 1 to 3 spatial dims.
     */
    public static Tensor conv(Operand x, Operand filter, Window window) {
        Tensor f = filter.asTensor();
        return op(Op.CONV, window.attributes(x.asTensor().type(), spatialSizes(f), false).build(), x, f);
    }

    /**
     * conv's transpose ("deconvolution"), its gradient with respect to its input: {@code filter} is
     * [k..., out_channels / groups, in_channels]; with {@link Window#same()} the output has
     * {@code input * stride} elements per spatial dim, as Keras's Conv2DTranspose.
     */
    public static Tensor convTranspose(Operand x, Operand filter, Window window) {
        Tensor f = filter.asTensor();
        return op(Op.CONV_TRANSPOSE, window.attributes(x.asTensor().type(), spatialSizes(f), true).build(), x, f);
    }

    /** The largest element of each window of {@code size} taps, per channel. */
    public static Tensor maxPool(Operand x, int[] size, Window window) {
        return op(Op.MAX_POOL, window.attributes(x.asTensor().type(), size, false)
                .putInts("window", java.util.Arrays.stream(size).asLongStream().toArray()).build(), x);
    }

    /** The mean of each window of {@code size} taps, per channel, over the taps inside the input. */
    public static Tensor avgPool(Operand x, int[] size, Window window) {
        return op(Op.AVG_POOL, window.attributes(x.asTensor().type(), size, false)
                .putInts("window", java.util.Arrays.stream(size).asLongStream().toArray()).build(), x);
    }

    // ---- normalization and resizing ----

    /**
     * Batch normalization along {@code axis} with the given statistics (vectors over that axis):
     * {@code (x - mean) * scale / sqrt(variance + epsilon) + offset}. In training, pass the batch's
     * moments (reductions over the other axes); the gradient flows through them too.
     */
    public static Tensor batchNorm(Operand x, Operand scale, Operand offset, Operand mean, Operand variance, int axis,
                                   double epsilon) {
        return op(Op.BATCH_NORM, attrs().put("axis", axis).put("epsilon", epsilon).build(), x, scale, offset, mean, variance);
    }

    /**
     * Layer normalization: each row over the axes from {@code axis} on to mean 0 and variance 1, then
     * {@code * scale + offset} (shaped as those axes).
     */
    public static Tensor layerNorm(Operand x, Operand scale, Operand offset, int axis, double epsilon) {
        return op(Op.LAYER_NORM, attrs().put("axis", axis).put("epsilon", epsilon).build(), x, scale, offset);
    }

    /**
     * {@code x} (channels last) resized to {@code sizes} along its spatial dims: {@code mode}
     * "nearest" or "bilinear", source coordinates by {@code coordinateTransformation}
     * ("half_pixel" as TensorFlow 2, "asymmetric", "align_corners").
     */
    public static Tensor resize(Operand x, int[] sizes, String mode, String coordinateTransformation) {
        return op(Op.RESIZE, attrs().putInts("sizes", java.util.Arrays.stream(sizes).asLongStream().toArray())
                .put("mode", mode).put("coordinate_transformation", coordinateTransformation).build(), x);
    }

    /** A filter's window: its dims before the two channel dims. */
    private static int[] spatialSizes(Tensor filter) {
        int[] shape = filter.shape();
        if (shape.length < 3) {
            throw new IllegalArgumentException("a filter has 1 to 3 spatial dims then two channel dims, got "
                    + filter.type());
        }
        return java.util.Arrays.copyOf(shape, shape.length - 2);
    }

    public static Tensor softmax(Operand x) {
        return softmax(x, -1);
    }

    public static Tensor softmax(Operand x, int axis) {
        return op(Op.SOFTMAX, attrs().put("axis", axis).build(), x);
    }

    public static Tensor logSoftmax(Operand x) {
        return logSoftmax(x, -1);
    }

    public static Tensor logSoftmax(Operand x, int axis) {
        return op(Op.LOG_SOFTMAX, attrs().put("axis", axis).build(), x);
    }

    // ---- movement ----

    /** Reshapes to {@code shape}; one dim may be -1 and is then inferred. */
    public static Tensor reshape(Operand x, int... shape) {
        List<Dim> dims = new ArrayList<>();
        List<Integer> inferred = new ArrayList<>();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                inferred.add(i);
                dims.add(Dim.of(1));
            } else {
                dims.add(Dim.of(shape[i]));
            }
        }
        return op(Op.RESHAPE, attrs().put("shape", new Attr.ShapeAttr(dims, inferred)).build(), x);
    }

    /** Permutes the dims; with no permutation, reverses them. */
    public static Tensor transpose(Operand x, int... perm) {
        Attributes a = perm.length == 0 ? Attributes.empty()
                : attrs().putInts("perm", java.util.Arrays.stream(perm).asLongStream().toArray()).build();
        return op(Op.TRANSPOSE, a, x);
    }

    public static Tensor expandDims(Operand x, int axis) {
        return op(Op.EXPAND_DIMS, attrs().put("axis", axis).build(), x);
    }

    /** Removes the given dims of size 1, or all of them when none are given. */
    public static Tensor squeeze(Operand x, int... axes) {
        Attributes a = axes.length == 0 ? Attributes.empty()
                : attrs().putInts("axes", java.util.Arrays.stream(axes).asLongStream().toArray()).build();
        return op(Op.SQUEEZE, a, x);
    }

    public static Tensor broadcastTo(Operand x, int... shape) {
        return op(Op.BROADCAST_TO, attrs().put("shape", Shape.of(shape)).build(), x);
    }

    public static Tensor concat(List<? extends Operand> xs, int axis) {
        return op(Op.CONCAT, attrs().put("axis", axis).build(), xs.toArray(new Operand[0]));
    }

    /** Stacks tensors of one shape along a new axis. */
    public static Tensor stack(List<? extends Operand> xs, int axis) {
        List<Tensor> expanded = new ArrayList<>();
        for (Operand x : xs) {
            expanded.add(expandDims(x, axis));
        }
        return concat(expanded, axis);
    }

    // ---- control flow ----

    /**
     * {@code then}'s result if {@code pred} (a bool scalar) is true, else {@code otherwise}'s, as
     * tf.cond. Eagerly only the chosen lambda runs; in a traced function both are traced, once, into
     * the branches of a cond op, which runs one of them. Both must give the same dtype and shape.
     */
    public static Tensor cond(Operand pred, Supplier<Tensor> then, Supplier<Tensor> otherwise) {
        return ControlFlow.cond(pred, () -> List.of(then.get()), () -> List.of(otherwise.get())).get(0);
    }

    /** {@link #cond} for branches that give several tensors (the same number, dtypes and shapes). */
    public static List<Tensor> condAll(Operand pred, Supplier<List<Tensor>> then, Supplier<List<Tensor>> otherwise) {
        return ControlFlow.cond(pred, then, otherwise);
    }

    /**
     * Repeats {@code body} on the loop variables while {@code condition} gives true, as
     * tf.while_loop: returns the final loop variables. The body gives new values of the same
     * dtypes and shapes. In a traced function the lambdas become the regions of a while op, so the
     * loop runs in the compiled code however many iterations it takes. A loop without a bound has no
     * gradient; use {@link #whileLoop(java.util.function.Function, java.util.function.Function, long, Tensor...)}.
     */
    public static List<Tensor> whileLoop(java.util.function.Function<List<Tensor>, Tensor> condition,
                                         java.util.function.Function<List<Tensor>, List<Tensor>> body, Tensor... init) {
        return ControlFlow.whileLoop(condition, body, -1, List.of(init));
    }

    /** {@link #whileLoop} stopping after at most {@code maxIterations} iterations; it differentiates in reverse mode. */
    public static List<Tensor> whileLoop(java.util.function.Function<List<Tensor>, Tensor> condition,
                                         java.util.function.Function<List<Tensor>, List<Tensor>> body,
                                         long maxIterations, Tensor... init) {
        if (maxIterations < 0) {
            throw new IllegalArgumentException("whileLoop: maxIterations is " + maxIterations + ", expected at least 0");
        }
        return ControlFlow.whileLoop(condition, body, maxIterations, List.of(init));
    }

    /**
     * Applies {@code step} along the leading axis of {@code xs}, carrying state, as jax.lax.scan:
     * {@code step.apply(carry, xsAtT)} gives the new carried values first (as many as {@code init},
     * of the same types), then the step's outputs. Returns the final carried values, then each
     * output stacked over the steps along a new leading axis. In a traced function the step is
     * traced once into the body of a scan op, so compile time does not grow with the length.
     */
    public static List<Tensor> scan(BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> step, List<Tensor> init,
                                    List<Tensor> xs) {
        return ControlFlow.scan(step, init, xs, false, -1);
    }

    /** {@link #scan} from the last step to the first when {@code reverse}; outputs stay at their step's position. */
    public static List<Tensor> scan(BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> step, List<Tensor> init,
                                    List<Tensor> xs, boolean reverse) {
        return ControlFlow.scan(step, init, xs, reverse, -1);
    }

    /** {@link #scan} over {@code length} steps with nothing scanned: the step's second argument is empty. */
    public static List<Tensor> scan(BiFunction<List<Tensor>, List<Tensor>, List<Tensor>> step, List<Tensor> init,
                                    long length) {
        return ControlFlow.scan(step, init, List.of(), false, length);
    }

    /** NumPy-style indexing: {@code slice(x, "1:3, ..., None, -1")} is {@code x[1:3, ..., None, -1]}. */
    public static Tensor slice(Operand x, String index) {
        return get(x, Index.parse(index).toArray(new Index[0]));
    }

    public static Tensor get(Operand x, Index... index) {
        Tensor t = x.asTensor();
        Slicer s = Slicer.of(t.type().shape(), List.of(index));
        Tensor sliced = op(Op.SLICE, s.sliceAttributes, t);
        return reshapeTo(sliced, s.resultShape(sliced.type().shape()));
    }

    static Tensor reshapeTo(Tensor x, Shape shape) {
        if (x.type().shape().equals(shape)) {
            return x;
        }
        return op(Op.RESHAPE, attrs().put("shape", shape).build(), x);
    }

    /** Pads with zeros: {@code paddings[d] = {before, after}}. */
    public static Tensor pad(Operand x, int[][] paddings) {
        return pad(x, paddings, "constant", 0);
    }

    /** Pads in mode "constant" (with {@code value}), "reflect" or "symmetric". */
    public static Tensor pad(Operand x, int[][] paddings, String mode, double value) {
        long[] flat = new long[paddings.length * 2];
        for (int d = 0; d < paddings.length; d++) {
            flat[2 * d] = paddings[d][0];
            flat[2 * d + 1] = paddings[d][1];
        }
        return op(Op.PAD, attrs().putInts("paddings", flat).put("mode", mode).put("constant_value", value).build(), x);
    }

    public static Tensor tile(Operand x, int... multiples) {
        return op(Op.TILE, attrs().putInts("multiples", java.util.Arrays.stream(multiples).asLongStream().toArray())
                .build(), x);
    }

    public static Tensor gather(Operand params, Operand indices, int axis) {
        return op(Op.GATHER, attrs().put("axis", axis).build(), params, indices);
    }

    public static Tensor gather(Operand params, Operand indices, int axis, int batchDims) {
        return op(Op.GATHER, attrs().put("axis", axis).put("batch_dims", batchDims).build(), params, indices);
    }

    /** float32 one-hot vectors of length {@code depth} along a new last axis. */
    public static Tensor oneHot(Operand indices, int depth) {
        return op(Op.ONE_HOT, attrs().put("depth", depth).build(), indices);
    }

    public static Tensor oneHot(Operand indices, int depth, DType dtype) {
        return op(Op.ONE_HOT, attrs().put("depth", depth).put("dtype", dtype).build(), indices);
    }
}
