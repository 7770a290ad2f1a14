package io.jitflow.ir;

import static io.jitflow.ir.Op.Trait.COMMUTATIVE;
import static io.jitflow.ir.Op.Trait.COMPOSITE;
import static io.jitflow.ir.Op.Trait.CONTROL;
import static io.jitflow.ir.Op.Trait.CREATION;
import static io.jitflow.ir.Op.Trait.ELEMENTWISE;
import static io.jitflow.ir.Op.Trait.MOVEMENT;
import static io.jitflow.ir.Op.Trait.OWN_KERNEL;
import static io.jitflow.ir.Op.Trait.RANDOM;
import static io.jitflow.ir.Op.Trait.REDUCTION;
import static io.jitflow.ir.Op.Trait.STATEFUL;

import io.jitflow.ir.ops.ControlFlow;
import io.jitflow.ir.ops.Convolution;
import io.jitflow.ir.ops.Creation;
import io.jitflow.ir.ops.Elementwise;
import io.jitflow.ir.ops.Indexing;
import io.jitflow.ir.ops.LinearAlgebra;
import io.jitflow.ir.ops.Movement;
import io.jitflow.ir.ops.Normalization;
import io.jitflow.ir.ops.Pooling;
import io.jitflow.ir.ops.Reductions;
import io.jitflow.ir.ops.Resize;
import io.jitflow.ir.ops.ScalarMath;
import io.jitflow.ir.ops.Slicing;
import io.jitflow.ir.ops.Softmax;
import io.jitflow.ir.ops.State;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The op set, each op declared once: its text-format mnemonic, its definition (operands, attributes,
 * inference, reference semantics) and its traits. Elementwise formulas are written here, on doubles
 * for floats and longs for integers; the families in {@code io.jitflow.ir.ops} supply the rest.
 */
public enum Op {
    // Creation. Text: %c = constant() {value = dense<[1.0, 2.0]> : float32[2]} : float32[2]
    CONSTANT("constant", Creation.constant(), CREATION),
    /** fill(scalar) {shape}: the scalar repeated over the shape. */
    FILL("fill", Creation.fill(), CREATION),
    /** range {start, limit, delta, dtype}: start, start+delta, ... up to but excluding limit. */
    RANGE("range", Creation.range(), CREATION),
    /** random_uniform {shape, dtype, seed, minval, maxval}: Philox4x32-10, one counter per element. */
    RANDOM_UNIFORM("random_uniform", Creation.randomUniform(), CREATION, RANDOM),
    /** random_normal {shape, dtype, seed, mean, stddev}: Box-Muller over Philox4x32-10. */
    RANDOM_NORMAL("random_normal", Creation.randomNormal(), CREATION, RANDOM),

    // Unary elementwise.
    NEG("neg", Elementwise.numericUnary((x, a) -> -x, x -> -x), ELEMENTWISE),
    ABS("abs", Elementwise.numericUnary((x, a) -> Math.abs(x), Math::abs), ELEMENTWISE),
    SIGN("sign", Elementwise.numericUnary((x, a) -> Math.signum(x), ScalarMath::sign), ELEMENTWISE),
    EXP("exp", Elementwise.floatUnary((x, a) -> Math.exp(x)), ELEMENTWISE),
    EXPM1("expm1", Elementwise.floatUnary((x, a) -> Math.expm1(x)), ELEMENTWISE),
    LOG("log", Elementwise.floatUnary((x, a) -> Math.log(x)), ELEMENTWISE),
    LOG1P("log1p", Elementwise.floatUnary((x, a) -> Math.log1p(x)), ELEMENTWISE),
    SQRT("sqrt", Elementwise.floatUnary((x, a) -> Math.sqrt(x)), ELEMENTWISE),
    RSQRT("rsqrt", Elementwise.floatUnary((x, a) -> 1 / Math.sqrt(x)), ELEMENTWISE),
    SQUARE("square", Elementwise.numericUnary((x, a) -> x * x, x -> x * x), ELEMENTWISE),
    RECIPROCAL("reciprocal", Elementwise.floatUnary((x, a) -> 1 / x), ELEMENTWISE),
    SIN("sin", Elementwise.floatUnary((x, a) -> Math.sin(x)), ELEMENTWISE),
    COS("cos", Elementwise.floatUnary((x, a) -> Math.cos(x)), ELEMENTWISE),
    TANH("tanh", Elementwise.floatUnary((x, a) -> Math.tanh(x)), ELEMENTWISE),
    SIGMOID("sigmoid", Elementwise.floatUnary((x, a) -> ScalarMath.sigmoid(x)), ELEMENTWISE),
    /** relu = max(x, 0); NaN stays NaN. */
    RELU("relu", Elementwise.numericUnary((x, a) -> Math.max(x, 0), x -> Math.max(x, 0)), ELEMENTWISE),
    LEAKY_RELU("leaky_relu", Elementwise.floatUnary((x, a) -> x > 0 ? x : a.getFloat("alpha") * x,
            AttrSpec.withDefault("alpha", new Attr.FloatAttr(0.2))), ELEMENTWISE),
    ELU("elu", Elementwise.floatUnary((x, a) -> ScalarMath.elu(x, a.getFloat("alpha")),
            AttrSpec.withDefault("alpha", new Attr.FloatAttr(1.0))), ELEMENTWISE),
    SELU("selu", Elementwise.floatUnary((x, a) -> ScalarMath.selu(x)), ELEMENTWISE),
    SOFTPLUS("softplus", Elementwise.floatUnary((x, a) -> ScalarMath.softplus(x)), ELEMENTWISE),
    GELU("gelu", Elementwise.floatUnary((x, a) -> ScalarMath.gelu(x, a.getBool("approximate")),
            AttrSpec.withDefault("approximate", new Attr.BoolAttr(false))), ELEMENTWISE),
    ERF("erf", Elementwise.floatUnary((x, a) -> ScalarMath.erf(x)), ELEMENTWISE),
    FLOOR("floor", Elementwise.floatUnary((x, a) -> Math.floor(x)), ELEMENTWISE),
    CEIL("ceil", Elementwise.floatUnary((x, a) -> Math.ceil(x)), ELEMENTWISE),
    /** Round half to even. */
    ROUND("round", Elementwise.floatUnary((x, a) -> Math.rint(x)), ELEMENTWISE),
    LOGICAL_NOT("logical_not", Elementwise.logicalNot(), ELEMENTWISE),
    IS_NAN("is_nan", Elementwise.floatPredicate(Double::isNaN), ELEMENTWISE),
    IS_FINITE("is_finite", Elementwise.floatPredicate(Double::isFinite), ELEMENTWISE),
    CAST("cast", Elementwise.cast(), ELEMENTWISE),

    // Binary elementwise, broadcasting.
    ADD("add", Elementwise.arithmetic((a, b) -> a + b, (a, b, c) -> a + b), ELEMENTWISE, COMMUTATIVE),
    SUB("sub", Elementwise.arithmetic((a, b) -> a - b, (a, b, c) -> a - b), ELEMENTWISE),
    MUL("mul", Elementwise.arithmetic((a, b) -> a * b, (a, b, c) -> a * b), ELEMENTWISE, COMMUTATIVE),
    /** True division: integers divide as floats (uint8 to float32, int32 and int64 to float64), as TensorFlow's {@code /}. */
    DIV("div", Elementwise.trueDivision(), ELEMENTWISE),
    FLOOR_DIV("floor_div", Elementwise.arithmetic((a, b) -> Math.floor(a / b), ScalarMath::floorDiv), ELEMENTWISE),
    /** Floor modulo: the result takes the divisor's sign. */
    MOD("mod", Elementwise.arithmetic(ScalarMath::floorMod, ScalarMath::floorMod), ELEMENTWISE),
    POW("pow", Elementwise.arithmetic(Math::pow, ScalarMath::pow), ELEMENTWISE),
    MAXIMUM("maximum", Elementwise.arithmetic(Math::max, (a, b, c) -> Math.max(a, b)), ELEMENTWISE, COMMUTATIVE),
    MINIMUM("minimum", Elementwise.arithmetic(Math::min, (a, b, c) -> Math.min(a, b)), ELEMENTWISE, COMMUTATIVE),
    EQUAL("equal", Elementwise.comparison((a, b) -> a == b, (a, b) -> a == b, true), ELEMENTWISE, COMMUTATIVE),
    NOT_EQUAL("not_equal", Elementwise.comparison((a, b) -> a != b, (a, b) -> a != b, true), ELEMENTWISE, COMMUTATIVE),
    LESS("less", Elementwise.comparison((a, b) -> a < b, (a, b) -> a < b, false), ELEMENTWISE),
    LESS_EQUAL("less_equal", Elementwise.comparison((a, b) -> a <= b, (a, b) -> a <= b, false), ELEMENTWISE),
    GREATER("greater", Elementwise.comparison((a, b) -> a > b, (a, b) -> a > b, false), ELEMENTWISE),
    GREATER_EQUAL("greater_equal", Elementwise.comparison((a, b) -> a >= b, (a, b) -> a >= b, false), ELEMENTWISE),
    LOGICAL_AND("logical_and", Elementwise.logical((a, b) -> a && b), ELEMENTWISE, COMMUTATIVE),
    LOGICAL_OR("logical_or", Elementwise.logical((a, b) -> a || b), ELEMENTWISE, COMMUTATIVE),
    LOGICAL_XOR("logical_xor", Elementwise.logical((a, b) -> a ^ b), ELEMENTWISE, COMMUTATIVE),

    // Ternary elementwise.
    /** select(cond, x, y), TensorFlow's where with three operands. */
    SELECT("select", Elementwise.select(), ELEMENTWISE),
    CLIP("clip", Elementwise.clip(), ELEMENTWISE),

    // Reductions {axes (absent: all), keepdims}.
    REDUCE_SUM("reduce_sum", Reductions.sum(), REDUCTION),
    REDUCE_MEAN("reduce_mean", Reductions.mean(), REDUCTION),
    REDUCE_MAX("reduce_max", Reductions.max(), REDUCTION),
    REDUCE_MIN("reduce_min", Reductions.min(), REDUCTION),
    REDUCE_PROD("reduce_prod", Reductions.prod(), REDUCTION),
    REDUCE_ANY("reduce_any", Reductions.any(), REDUCTION),
    REDUCE_ALL("reduce_all", Reductions.all(), REDUCTION),
    /** argmax {axis, output_type}: index of the first maximum; NaN counts as the maximum. */
    ARGMAX("argmax", Reductions.argExtreme(true), REDUCTION),
    ARGMIN("argmin", Reductions.argExtreme(false), REDUCTION),

    // Linear algebra and normalization.
    /** matmul(a, b) {transpose_a, transpose_b}: rank >= 2, batch dims broadcast. */
    MATMUL("matmul", LinearAlgebra.matmul(), OWN_KERNEL),
    SOFTMAX("softmax", Softmax.softmax(false), OWN_KERNEL),
    LOG_SOFTMAX("log_softmax", Softmax.softmax(true), OWN_KERNEL),

    // Convolution and pooling over 1-3 spatial dims {strides, dilations, pads, data_format} (WindowGeometry).
    /** conv(x, w) {groups}: w is [k..., in_channels / groups, out_channels]. */
    CONV("conv", Convolution.conv(), OWN_KERNEL),
    /** conv_transpose(x, w) {groups, output_padding}: conv's transpose; w is [k..., out_channels / groups, in_channels]. */
    CONV_TRANSPOSE("conv_transpose", Convolution.convTranspose(), OWN_KERNEL),
    /** max_pool(x) {window}: padding is -inf. */
    MAX_POOL("max_pool", Pooling.maxPool(), OWN_KERNEL),
    /** avg_pool(x) {window, count_include_pad}. */
    AVG_POOL("avg_pool", Pooling.avgPool(), OWN_KERNEL),
    /** max_pool_grad(x, dy) {as max_pool}: each window's gradient to its first largest tap. */
    MAX_POOL_GRAD("max_pool_grad", Pooling.maxPoolGrad(), OWN_KERNEL),
    /** max_pool_select(x, z) {as max_pool}: z at each window's first largest tap of x; max_pool_grad's transpose. */
    MAX_POOL_SELECT("max_pool_select", Pooling.maxPoolSelect(), OWN_KERNEL),

    // Composites: computed and differentiated as their expansion into the ops above (grad.Composites).
    /** batch_norm(x, scale, offset, mean, variance) {axis, epsilon}: inference form; training passes the batch's moments. */
    BATCH_NORM("batch_norm", Normalization.batchNorm(), COMPOSITE),
    /** layer_norm(x, scale, offset) {axis, epsilon}: normalizes over the axes from axis on. */
    LAYER_NORM("layer_norm", Normalization.layerNorm(), COMPOSITE),
    /** resize(x) {sizes, mode = "nearest"|"bilinear", coordinate_transformation, data_format}. */
    RESIZE("resize", Resize.resize(), COMPOSITE),

    // Movement.
    /** reshape {shape}: one dim may be -1, inferred from the element count. */
    RESHAPE("reshape", Movement.reshape(), MOVEMENT),
    /** transpose {perm}: absent perm reverses the dims. */
    TRANSPOSE("transpose", Movement.transpose(), MOVEMENT),
    EXPAND_DIMS("expand_dims", Movement.expandDims(), MOVEMENT),
    /** squeeze {axes}: absent axes removes every dim of size 1. */
    SQUEEZE("squeeze", Movement.squeeze(), MOVEMENT),
    BROADCAST_TO("broadcast_to", Movement.broadcastTo(), MOVEMENT),
    CONCAT("concat", Movement.concat(), MOVEMENT),
    /** slice {begin, end, strides, begin_mask, end_mask}: Python slicing per dim, negatives from the end. */
    SLICE("slice", Slicing.slice(), MOVEMENT),
    /** slice_update(x, update) {begin, end, strides, begin_mask, end_mask}: x with that slice replaced. */
    SLICE_UPDATE("slice_update", Slicing.sliceUpdate(), MOVEMENT),
    /** pad {paddings = [lo0, hi0, lo1, hi1, ...], mode = "constant"|"reflect"|"symmetric", constant_value}. */
    PAD("pad", Movement.pad(), MOVEMENT),
    TILE("tile", Movement.tile(), MOVEMENT),

    // Indexing.
    /** gather(params, indices) {axis, batch_dims}: an index out of range is a run-time error. */
    GATHER("gather", Indexing.gather()),
    /** one_hot(indices) {depth, on_value, off_value, axis, dtype}: an index out of range gives all off. */
    ONE_HOT("one_hot", Indexing.oneHot()),
    /** scatter_add(x, indices, updates) {axis, batch_dims}: gather's transpose; repeated indices accumulate. */
    SCATTER_ADD("scatter_add", Indexing.scatterAdd(), OWN_KERNEL),

    // State, executed in program order.
    READ_VARIABLE("read_variable", State.read(), STATEFUL),
    ASSIGN_VARIABLE("assign_variable", State.assign(), STATEFUL),

    // Control flow: ops with regions (ControlFlow). Captured values are explicit operands.
    /** cond(pred, captures...) with regions then, else. */
    COND("cond", ControlFlow.cond(), CONTROL),
    /** while(carried..., captures...) {max_iterations} with regions cond, body. */
    WHILE("while", ControlFlow.whileLoop(), CONTROL),
    /** scan(carried..., scanned..., captures...) {carried, scanned, reverse, length} with region body. */
    SCAN("scan", ControlFlow.scan(), CONTROL);

    /**
     * Properties passes and backends dispatch on. {@code OWN_KERNEL}: the op has a loop structure of
     * its own (matmul, softmax, scatter), so fusion computes it in a kernel of its own, never inlined.
     * {@code COMPOSITE}: the op stands for an expansion into other ops, which fusion compiles instead.
     * {@code CONTROL}: the op holds regions (nested functions) that it runs, as cond, while and scan.
     */
    public enum Trait {
        ELEMENTWISE, COMMUTATIVE, REDUCTION, MOVEMENT, CREATION, RANDOM, STATEFUL, OWN_KERNEL, COMPOSITE, CONTROL
    }

    private static final Map<String, Op> BY_MNEMONIC = new HashMap<>();

    static {
        for (Op op : values()) {
            BY_MNEMONIC.put(op.mnemonic, op);
        }
    }

    private final String mnemonic;
    private final OpDef definition;
    private final Set<Trait> traits;

    Op(String mnemonic, OpDef definition, Trait... traits) {
        this.mnemonic = mnemonic;
        this.definition = definition;
        this.traits = traits.length == 0 ? EnumSet.noneOf(Trait.class) : EnumSet.of(traits[0], traits);
    }

    public String mnemonic() {
        return mnemonic;
    }

    public OpDef definition() {
        return definition;
    }

    public boolean has(Trait trait) {
        return traits.contains(trait);
    }

    /** The opset that introduced the op: 2 for control flow, 1 for the rest. */
    public int opset() {
        return has(Trait.CONTROL) ? 2 : 1;
    }

    /** The op spelled {@code mnemonic} in the text format, or {@code null}. */
    public static Op fromMnemonic(String mnemonic) {
        return BY_MNEMONIC.get(mnemonic);
    }

    @Override
    public String toString() {
        return mnemonic;
    }
}
