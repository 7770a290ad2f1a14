package io.jitflow.onnx;

import io.jitflow.ir.Attr;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.ops.WindowGeometry;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.ModelProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import io.jitflow.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jitflow.onnx.proto.OnnxProto.StringStringEntryProto;
import io.jitflow.onnx.proto.OnnxProto.TensorShapeProto;
import io.jitflow.onnx.proto.OnnxProto.TypeProto;
import io.jitflow.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes one function of a graph as an ONNX model (default-domain opset {@link #OPSET}): each node
 * becomes one or a few ONNX nodes computing the same values, variables become initializers holding
 * their current values, symbolic dims become {@code dim_param}s. Ops ONNX cannot express are refused
 * together, in one error that lists them ({@link #UNSUPPORTED} says why for each).
 */
final class OnnxExporter {
    static final int OPSET = 19;
    static final long IR_VERSION = 9;

    /** The ops that have no ONNX form, and why. */
    static final Map<Op, String> UNSUPPORTED = Map.of(
            Op.RANDOM_UNIFORM, "Jitflow's counter-based Philox stream has no ONNX equivalent (ONNX's random ops are unseeded across runtimes)",
            Op.RANDOM_NORMAL, "Jitflow's counter-based Philox stream has no ONNX equivalent (ONNX's random ops are unseeded across runtimes)",
            Op.ASSIGN_VARIABLE, "an ONNX graph is a pure function: it has no state to assign");

    private final Graph graph;
    private final Function function;
    /** The variables' values, taken from the store once. */
    private final Map<String, HostTensor> variables;
    /** The graph this exporter writes nodes to: the model's, or a subgraph's (a branch, a loop body). */
    private final GraphProto.Builder out;
    /** ONNX names of this scope's graph-ir values. */
    private final Map<String, String> names = new HashMap<>();
    private final Set<String> initializers;
    /** The next fresh name's number, shared by every scope: ONNX names are unique across subgraphs. */
    private final int[] nextName;

    private OnnxExporter(Graph graph, Function function, VariableStore variables) {
        this.graph = graph;
        this.function = function;
        this.variables = variables.asMap();
        this.out = GraphProto.newBuilder();
        this.initializers = new TreeSet<>();
        this.nextName = new int[1];
    }

    /** A scope writing to {@code out}, a subgraph of {@code parent}'s model. */
    private OnnxExporter(OnnxExporter parent, GraphProto.Builder out) {
        this.graph = parent.graph;
        this.function = parent.function;
        this.variables = parent.variables;
        this.out = out;
        this.initializers = parent.initializers;
        this.nextName = parent.nextName;
    }

    static ModelProto export(Graph graph, String functionName, VariableStore variables) {
        Function f = graph.function(functionName).orElseThrow(() -> new OnnxException("there is no function @"
                + functionName + " to export (functions: " + graph.functions().stream().map(Function::name).toList() + ")"));
        return new OnnxExporter(graph, f, variables).run();
    }

    private ModelProto run() {
        refuseUnsupported();
        out.setName(function.name());
        for (Value in : function.inputs()) {
            names.put(in.name(), in.name());
            out.addInput(valueInfo(in.name(), in.type()));
        }
        lowerNodes(function);
        Set<String> used = new TreeSet<>();
        for (Function.Output o : function.outputs()) {
            String source = names.get(o.value().name());
            // An output is a value of its own name: inputs, initializers and repeated outputs pass through Identity.
            node("Identity", List.of(source), o.name());
            if (!used.add(o.name())) {
                throw new OnnxException("@" + function.name() + " returns two outputs named " + o.name());
            }
            out.addOutput(valueInfo(o.name(), o.value().type()));
        }
        ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("jitflow")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET)).setGraph(out);
        graph.metadata().forEach((k, v) -> model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k)
                .setValue(v)));
        return model.build();
    }

    private void lowerNodes(Function f) {
        for (Node n : f.nodes()) {
            List<String> results = lower(n);
            for (int i = 0; i < n.outputs().size(); i++) {
                names.put(n.outputs().get(i).name(), results.get(i));
            }
        }
    }

    private void refuseUnsupported() {
        Map<String, List<String>> refused = new TreeMap<>();
        collectRefused(function, refused);
        if (!refused.isEmpty()) {
            StringBuilder sb = new StringBuilder("@" + function.name() + " cannot be written as ONNX:");
            refused.forEach((why, at) -> sb.append("\n  ").append(why).append(" (").append(String.join(", ", at))
                    .append(')'));
            throw new OnnxException(sb.toString());
        }
    }

    /** The nodes of {@code f} and of its regions that have no ONNX form, by reason. */
    private void collectRefused(Function f, Map<String, List<String>> refused) {
        for (Node n : f.nodes()) {
            n.regions().forEach(region -> collectRefused(region, refused));
            String why = UNSUPPORTED.get(n.op());
            if (why == null) {
                why = unsupportedForm(n);
            }
            if (why == null && n.op() == Op.FILL && n.output().type().shape().dims().stream()
                    .anyMatch(d -> !d.isStatic() && dimSource(d) == null)) {
                why = "a fill of a symbolic dim that no input of @" + function.name() + " has";
            }
            if (why != null) {
                refused.computeIfAbsent(n.op().mnemonic() + ": " + why, k -> new ArrayList<>())
                        .add(n.location() != null ? n.location().toString() : n.describe());
            }
        }
    }

    /** Why this node's attributes have no ONNX form, or null. */
    private static String unsupportedForm(Node n) {
        Attributes a = n.attributes();
        return switch (n.op()) {
            case PAD -> a.getString("mode").equals("symmetric") ? "symmetric padding has no ONNX mode" : null;
            case GATHER -> a.getInt("batch_dims") != 0 ? "ONNX's Gather has no batch_dims" : null;
            case SCATTER_ADD -> a.getInt("batch_dims") != 0 ? "ONNX's ScatterND has no batch_dims" : null;
            case MAX_POOL_GRAD, MAX_POOL_SELECT -> n.inputs().get(0).type().shape().isStatic() ? null
                    : "MaxPool's Indices count positions across the whole tensor, whose dims must be static";
            case SLICE_UPDATE -> strided(a) ? "a strided slice_update has no ONNX form" : null;
            default -> null;
        };
    }

    private static boolean strided(Attributes a) {
        return a.has("strides") && Arrays.stream(a.getInts("strides")).anyMatch(s -> s != 1);
    }

    // ---- building blocks ----

    private String fresh() {
        return "_t" + nextName[0]++;
    }

    /** Adds an ONNX node with one output named {@code output} (fresh when null); returns that name. */
    private String node(String type, List<String> inputs, String output, AttributeProto... attrs) {
        String name = output == null ? fresh() : output;
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(type).setName(name).addAllInput(inputs).addOutput(name);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        out.addNode(b);
        return name;
    }

    private String node(String type, List<String> inputs, AttributeProto... attrs) {
        return node(type, inputs, null, attrs);
    }

    private String initializer(HostTensor value) {
        String name = fresh();
        out.addInitializer(TensorProtos.write(value, name));
        return name;
    }

    private String ints(long... values) {
        return initializer(HostTensor.of(values, values.length));
    }

    private String scalar(DType dtype, double value) {
        return initializer(HostTensor.scalar(dtype, value));
    }

    private static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto attr(String name, double value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT)
                .setF((float) value).build();
    }

    private static AttributeProto attr(String name, String value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(value)).build();
    }

    private static AttributeProto attrInts(String name, long... values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    private static ValueInfoProto valueInfo(String name, TensorType type) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Dim d : type.shape().dims()) {
            shape.addDim(d.isStatic() ? TensorShapeProto.Dimension.newBuilder().setDimValue(d.size())
                    : TensorShapeProto.Dimension.newBuilder().setDimParam(d.toString()));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProtos.onnxType(type.dtype())).setShape(shape))).build();
    }

    private String in(Node n, int i) {
        return names.get(n.inputs().get(i).name());
    }

    private String unary(String type, Node n, AttributeProto... attrs) {
        return node(type, List.of(in(n, 0)), attrs);
    }

    private String binary(String type, Node n) {
        return node(type, List.of(in(n, 0), in(n, 1)));
    }

    private String binary(String type, String a, String b) {
        return node(type, List.of(a, b));
    }

    private String cast(String x, DType to) {
        return node("Cast", List.of(x), attr("to", TensorProtos.onnxType(to)));
    }

    // ---- ops ----

    private List<String> lower(Node n) {
        switch (n.op()) {
            case COND:
                return ifElse(n);
            case SCAN:
                return scan(n);
            case WHILE:
                return whileLoop(n);
            default:
                break;
        }
        if (n.op() == Op.LAYER_NORM) {
            return List.of(node("LayerNormalization", List.of(in(n, 0), in(n, 1), in(n, 2)),
                    attr("axis", n.attributes().getInt("axis")), attr("epsilon", n.attributes().getFloat("epsilon"))));
        }
        return List.of(lowerOne(n));
    }

    private String lowerOne(Node n) {
        Attributes a = n.attributes();
        DType t = n.outputs().isEmpty() ? null : n.output().type().dtype();
        String x = n.inputs().isEmpty() ? null : in(n, 0);
        return switch (n.op()) {
            case CONSTANT -> initializer(a.getTensor("value"));
            case READ_VARIABLE -> variable(a.getString("name"));
            case FILL -> node("Expand", List.of(x, shapeOf(n.output().type().shape())));
            case RANGE -> node("Range", List.of(scalar(t, a.getFloat("start")), scalar(t, a.getFloat("limit")),
                    scalar(t, a.getFloat("delta"))));
            case NEG -> unary("Neg", n);
            case ABS -> unary("Abs", n);
            case SIGN -> unary("Sign", n);
            case EXP -> unary("Exp", n);
            case EXPM1 -> binary("Sub", unary("Exp", n), scalar(t, 1));
            case LOG -> unary("Log", n);
            case LOG1P -> node("Log", List.of(binary("Add", x, scalar(t, 1))));
            case SQRT -> unary("Sqrt", n);
            case RSQRT -> node("Reciprocal", List.of(unary("Sqrt", n)));
            case SQUARE -> binary("Mul", x, x);
            case RECIPROCAL -> unary("Reciprocal", n);
            case SIN -> unary("Sin", n);
            case COS -> unary("Cos", n);
            case TANH -> unary("Tanh", n);
            case SIGMOID -> unary("Sigmoid", n);
            case RELU -> unary("Relu", n);
            case LEAKY_RELU -> unary("LeakyRelu", n, attr("alpha", a.getFloat("alpha")));
            case ELU -> unary("Elu", n, attr("alpha", a.getFloat("alpha")));
            case SELU -> unary("Selu", n);
            case SOFTPLUS -> unary("Softplus", n);
            case GELU -> gelu(x, t, a.getBool("approximate"));
            case ERF -> unary("Erf", n);
            case FLOOR -> unary("Floor", n);
            case CEIL -> unary("Ceil", n);
            case ROUND -> unary("Round", n);
            case LOGICAL_NOT -> unary("Not", n);
            case IS_NAN -> unary("IsNaN", n);
            case IS_FINITE -> node("Not", List.of(binary("Or", unary("IsNaN", n), unary("IsInf", n))));
            case CAST -> cast(x, a.getDType("dtype"));
            case ADD -> binary("Add", n);
            case SUB -> binary("Sub", n);
            case MUL -> binary("Mul", n);
            case DIV -> t == n.inputs().get(0).type().dtype() ? binary("Div", n)
                    : binary("Div", cast(x, t), cast(in(n, 1), t));
            case FLOOR_DIV -> floorDiv(n, t);
            case MOD -> floorMod(n, t);
            case POW -> binary("Pow", n);
            case MAXIMUM -> binary("Max", n);
            case MINIMUM -> binary("Min", n);
            case EQUAL -> binary("Equal", n);
            case NOT_EQUAL -> node("Not", List.of(binary("Equal", n)));
            case LESS -> binary("Less", n);
            case LESS_EQUAL -> binary("LessOrEqual", n);
            case GREATER -> binary("Greater", n);
            case GREATER_EQUAL -> binary("GreaterOrEqual", n);
            case LOGICAL_AND -> binary("And", n);
            case LOGICAL_OR -> binary("Or", n);
            case LOGICAL_XOR -> binary("Xor", n);
            case SELECT -> node("Where", List.of(x, in(n, 1), in(n, 2)));
            case CLIP -> binary("Min", binary("Max", x, in(n, 1)), in(n, 2));
            case REDUCE_SUM -> reduce("ReduceSum", n, x);
            case REDUCE_MEAN -> reduce("ReduceMean", n, x);
            case REDUCE_MAX -> reduce("ReduceMax", n, x);
            case REDUCE_MIN -> reduce("ReduceMin", n, x);
            case REDUCE_PROD -> reduce("ReduceProd", n, x);
            // Opset 19's ReduceMax and ReduceMin take no bools: any and all reduce 0/1 bytes.
            case REDUCE_ANY -> cast(reduce("ReduceMax", n, cast(x, DType.UINT8)), DType.BOOL);
            case REDUCE_ALL -> cast(reduce("ReduceMin", n, cast(x, DType.UINT8)), DType.BOOL);
            case ARGMAX, ARGMIN -> {
                String index = unary(n.op() == Op.ARGMAX ? "ArgMax" : "ArgMin", n, attr("axis", a.getInt("axis")),
                        attr("keepdims", 0));
                yield t == DType.INT64 ? index : cast(index, t);
            }
            case MATMUL -> binary("MatMul", a.getBool("transpose_a") ? swapLast(x, n.inputs().get(0)) : x,
                    a.getBool("transpose_b") ? swapLast(in(n, 1), n.inputs().get(1)) : in(n, 1));
            case SOFTMAX -> unary("Softmax", n, attr("axis", a.getInt("axis")));
            case LOG_SOFTMAX -> unary("LogSoftmax", n, attr("axis", a.getInt("axis")));
            case CONV, CONV_TRANSPOSE -> convolution(n);
            case MAX_POOL, AVG_POOL -> pool(n);
            case MAX_POOL_SELECT -> maxPoolSelect(n);
            case MAX_POOL_GRAD -> maxPoolGrad(n);
            case SCATTER_ADD -> scatterAdd(n);
            case BATCH_NORM -> batchNorm(n);
            case RESHAPE -> reshape(n);
            case TRANSPOSE -> a.has("perm") ? unary("Transpose", n, attrInts("perm", a.getInts("perm")))
                    : unary("Transpose", n);
            case EXPAND_DIMS -> node("Unsqueeze", List.of(x, ints(a.getInt("axis"))));
            case SQUEEZE -> a.has("axes") ? node("Squeeze", List.of(x, ints(a.getInts("axes")))) : unary("Squeeze", n);
            case BROADCAST_TO -> node("Expand", List.of(x, ints(expandShape(n))));
            case CONCAT -> node("Concat", n.inputs().stream().map(v -> names.get(v.name())).toList(),
                    attr("axis", a.getInt("axis")));
            case SLICE -> slice(n);
            case SLICE_UPDATE -> sliceUpdate(n);
            case PAD -> pad(n);
            case TILE -> node("Tile", List.of(x, ints(a.getInts("multiples"))));
            case GATHER -> node("Gather", List.of(x, in(n, 1)), attr("axis", a.getInt("axis")));
            case RESIZE -> resize(n);
            case ONE_HOT -> oneHot(n);
            default -> throw new OnnxException(n.op().mnemonic() + " cannot be written as ONNX");
        };
    }

    private String variable(String name) {
        String onnxName = "var." + name;
        if (initializers.add(onnxName)) {
            Variable v = graph.variable(name).orElseThrow(() -> new OnnxException("no variable @" + name));
            HostTensor value = variables.getOrDefault(name, v.initialValue());
            out.addInitializer(TensorProtos.write(value, onnxName));
        }
        return onnxName;
    }

    /** The function input and axis where symbolic dim {@code d} can be read at run time, or null. */
    private Map.Entry<String, Integer> dimSource(Dim d) {
        for (Value in : function.inputs()) {
            int axis = in.type().shape().dims().indexOf(d);
            if (axis >= 0) {
                return Map.entry(in.name(), axis);
            }
        }
        return null;
    }

    /** A shape as an int64 vector: static dims as constants, symbolic ones read from an input carrying them. */
    private String shapeOf(Shape shape) {
        if (shape.isStatic()) {
            return ints(longs(shape.sizes()));
        }
        List<String> parts = new ArrayList<>();
        for (Dim d : shape.dims()) {
            if (d.isStatic()) {
                parts.add(ints(d.size()));
            } else {
                Map.Entry<String, Integer> source = dimSource(d);
                parts.add(node("Shape", List.of(source.getKey()), attr("start", source.getValue()),
                        attr("end", source.getValue() + 1)));
            }
        }
        return node("Concat", parts, attr("axis", 0));
    }

    private static long[] longs(int[] values) {
        return Arrays.stream(values).asLongStream().toArray();
    }

    private String gelu(String x, DType t, boolean approximate) {
        String half = binary("Mul", x, scalar(t, 0.5));
        String inner;
        if (approximate) {
            // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
            String cube = binary("Mul", binary("Mul", x, x), x);
            String poly = binary("Add", x, binary("Mul", cube, scalar(t, 0.044715)));
            inner = node("Tanh", List.of(binary("Mul", poly, scalar(t, Math.sqrt(2 / Math.PI)))));
        } else {
            inner = node("Erf", List.of(binary("Mul", x, scalar(t, 1 / Math.sqrt(2)))));
        }
        return binary("Mul", half, binary("Add", inner, scalar(t, 1)));
    }

    /** Floor division: floats floor the quotient; integers divide as float64 (exact up to 2^53) and floor. */
    private String floorDiv(Node n, DType t) {
        if (t.isFloating()) {
            return node("Floor", List.of(binary("Div", n)));
        }
        String q = binary("Div", cast(in(n, 0), DType.FLOAT64), cast(in(n, 1), DType.FLOAT64));
        return cast(node("Floor", List.of(q)), t);
    }

    /** Floor modulo: ONNX's integer Mod already takes the divisor's sign; for floats fmod is corrected by b. */
    private String floorMod(Node n, DType t) {
        if (!t.isFloating()) {
            return binary("Mod", n);
        }
        String a = in(n, 0);
        String b = in(n, 1);
        String r = node("Mod", List.of(a, b), attr("fmod", 1));
        String zero = scalar(t, 0);
        String signsDiffer = binary("Xor", binary("Less", r, zero), binary("Less", b, zero));
        String fix = binary("And", node("Not", List.of(binary("Equal", r, zero))), signsDiffer);
        return node("Where", List.of(fix, binary("Add", r, b), r));
    }

    private String reduce(String type, Node n, String x) {
        Attributes a = n.attributes();
        long keep = a.getBool("keepdims") ? 1 : 0;
        long[] axes = a.has("axes") ? a.getInts("axes") : null;
        if (axes == null) {
            return node(type, List.of(x), attr("keepdims", keep));
        }
        if (axes.length == 0) {
            return node("Identity", List.of(x));
        }
        return node(type, List.of(x, ints(axes)), attr("keepdims", keep));
    }

    private String swapLast(String x, Value v) {
        int rank = v.type().rank();
        long[] perm = new long[rank];
        Arrays.setAll(perm, i -> i);
        perm[rank - 2] = rank - 1;
        perm[rank - 1] = rank - 2;
        return node("Transpose", List.of(x), attrInts("perm", perm));
    }

    private String transpose(String x, long... perm) {
        return node("Transpose", List.of(x), attrInts("perm", perm));
    }

    /** The permutations between channels_last [N, spatial..., C] and ONNX's [N, C, spatial...]. */
    private static long[] toChannelsFirst(int rank) {
        long[] perm = new long[rank];
        perm[1] = rank - 1;
        for (int i = 2; i < rank; i++) {
            perm[i] = i - 1;
        }
        return perm;
    }

    private static long[] toChannelsLast(int rank) {
        long[] perm = new long[rank];
        for (int i = 1; i < rank - 1; i++) {
            perm[i] = i + 1;
        }
        perm[rank - 1] = 1;
        return perm;
    }

    private String channelsFirst(Node n, String x) {
        int rank = n.inputs().get(0).type().rank();
        return channelsLast(n) ? transpose(x, toChannelsFirst(rank)) : x;
    }

    private String restoreLayout(Node n, String y) {
        return channelsLast(n) ? transpose(y, toChannelsLast(n.output().type().rank())) : y;
    }

    private static boolean channelsLast(Node n) {
        return n.attributes().getString("data_format").equals(WindowGeometry.CHANNELS_LAST);
    }

    /** Window attributes in ONNX's form: pads [b0, b1, ..., e0, e1, ...]. */
    private static List<AttributeProto> windowAttrs(Attributes a, int spatial) {
        long[] ones = new long[spatial];
        Arrays.fill(ones, 1);
        long[] pads = a.has("pads") ? a.getInts("pads") : new long[2 * spatial];
        long[] onnxPads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            onnxPads[i] = pads[2 * i];
            onnxPads[i + spatial] = pads[2 * i + 1];
        }
        return new ArrayList<>(List.of(attrInts("strides", a.has("strides") ? a.getInts("strides") : ones),
                attrInts("dilations", a.has("dilations") ? a.getInts("dilations") : ones), attrInts("pads", onnxPads)));
    }

    /** conv and conv_transpose: weights [k..., a, b] become [b, a, k...] (conv: [M, C/g, k]; transpose: [C, M/g, k]). */
    private String convolution(Node n) {
        Attributes a = n.attributes();
        int rank = n.inputs().get(1).type().rank();
        int spatial = rank - 2;
        long[] perm = new long[rank];
        perm[0] = rank - 1;
        perm[1] = rank - 2;
        for (int i = 0; i < spatial; i++) {
            perm[i + 2] = i;
        }
        List<AttributeProto> attrs = windowAttrs(a, spatial);
        attrs.add(attr("group", a.getInt("groups")));
        boolean transposed = n.op() == Op.CONV_TRANSPOSE;
        if (transposed && a.has("output_padding")) {
            attrs.add(attrInts("output_padding", a.getInts("output_padding")));
        }
        String y = node(transposed ? "ConvTranspose" : "Conv", List.of(channelsFirst(n, in(n, 0)),
                transpose(in(n, 1), perm)), attrs.toArray(AttributeProto[]::new));
        return restoreLayout(n, y);
    }

    private String pool(Node n) {
        Attributes a = n.attributes();
        List<AttributeProto> attrs = poolAttrs(a);
        boolean max = n.op() == Op.MAX_POOL;
        if (!max) {
            attrs.add(attr("count_include_pad", a.getBool("count_include_pad") ? 1 : 0));
        }
        String y = node(max ? "MaxPool" : "AveragePool", List.of(channelsFirst(n, in(n, 0))),
                attrs.toArray(AttributeProto[]::new));
        return restoreLayout(n, y);
    }

    private static List<AttributeProto> poolAttrs(Attributes a) {
        long[] window = a.getInts("window");
        List<AttributeProto> attrs = windowAttrs(a, window.length);
        attrs.add(attrInts("kernel_shape", window));
        return attrs;
    }

    /**
     * max_pool_select(x, z): MaxPool's Indices, each window's largest tap as its position in x
     * (channels-first, counted over the whole tensor), made positions within each image, pick z's
     * element there (GatherElements over each image's values).
     */
    private String maxPoolSelect(Node n) {
        String z = node("Reshape", List.of(channelsFirst(n, in(n, 1)), ints(0, imageSize(n.inputs().get(0)))));
        String picked = node("GatherElements", List.of(z, poolPositions(n)), attr("axis", 1));
        return restoreLayout(n, node("Reshape", List.of(picked, ints(channelsFirstDims(n, n.output().type())))));
    }

    /**
     * max_pool_grad(x, dy): each window's gradient added at its largest tap, MaxPool's Indices
     * made positions within each image (ScatterElements adding into zeros over each image's values).
     */
    private String maxPoolGrad(Node n) {
        TensorType x = n.inputs().get(0).type();
        String xFirst = channelsFirst(n, in(n, 0));
        String zeros = node("Expand", List.of(scalar(x.dtype(), 0), node("Shape", List.of(xFirst))));
        String dy = node("Reshape", List.of(channelsFirst(n, in(n, 1)), ints(0, imageSize(n.inputs().get(1)))));
        String sums = node("ScatterElements", List.of(node("Reshape", List.of(zeros, ints(0, imageSize(n.inputs().get(0))))),
                poolPositions(n), dy), attr("axis", 1), attr("reduction", "add"));
        return restoreLayout(n, node("Reshape", List.of(sums, ints(channelsFirstDims(n, x)))));
    }

    /** Each pooled element's largest tap as its position within its image of x channels-first: [images, pooled values of one]. */
    private String poolPositions(Node n) {
        TensorType x = n.inputs().get(0).type();
        String indices = fresh();
        NodeProto.Builder b = NodeProto.newBuilder().setOpType("MaxPool").setName(indices)
                .addInput(channelsFirst(n, in(n, 0))).addOutput(fresh()).addOutput(indices);
        poolAttrs(n.attributes()).forEach(b::addAttribute);
        out.addNode(b);
        String withinImage = binary("Mod", indices, scalar(DType.INT64, imageSize(n.inputs().get(0))));
        long pooled = imageSize(n.op() == Op.MAX_POOL_GRAD ? n.inputs().get(1) : n.output());
        return node("Reshape", List.of(withinImage, ints(0, pooled)));
    }

    /** The values of one image (all dims but the first, static) of a tensor. */
    private static long imageSize(Value v) {
        long size = 1;
        for (Dim d : v.type().shape().dims().subList(1, v.type().rank())) {
            size *= d.size();
        }
        return size;
    }

    /** A window op's tensor's dims channels-first, the first (the images) as Reshape's 0: copied. */
    private static long[] channelsFirstDims(Node n, TensorType t) {
        int rank = t.rank();
        long[] dims = new long[rank];
        for (int i = 1; i < rank; i++) {
            int from = channelsLast(n) ? (int) toChannelsFirst(rank)[i] : i;
            dims[i] = t.shape().dim(from).size();
        }
        return dims;
    }

    /**
     * scatter_add(x, indices, updates) {axis}: ScatterND adding at one-element index tuples, its
     * axis moved first in x and the indices' dims first in the updates, then moved back.
     */
    private String scatterAdd(Node n) {
        int rank = n.inputs().get(0).type().rank();
        int axis = Shape.normalizeAxis(n.attributes().getInt("axis"), rank);
        int indexRank = n.inputs().get(1).type().rank();
        long[] dataPerm = new long[rank];
        dataPerm[0] = axis;
        for (int d = 0, at = 1; d < rank; d++) {
            if (d != axis) {
                dataPerm[at++] = d;
            }
        }
        long[] updatesPerm = new long[rank - 1 + indexRank];
        int at = 0;
        for (int d = 0; d < indexRank; d++) {
            updatesPerm[at++] = axis + d;
        }
        for (int d = 0; d < updatesPerm.length; d++) {
            if (d < axis || d >= axis + indexRank) {
                updatesPerm[at++] = d;
            }
        }
        String tuples = node("Unsqueeze", List.of(cast(in(n, 1), DType.INT64), ints(-1)));
        String sums = node("ScatterND", List.of(transpose(in(n, 0), dataPerm), tuples, transpose(in(n, 2), updatesPerm)),
                attr("reduction", "add"));
        long[] back = new long[rank];
        for (int i = 0; i < rank; i++) {
            back[(int) dataPerm[i]] = i;
        }
        return transpose(sums, back);
    }

    /** batch_norm as its formula, its vectors shaped to broadcast along the axis. */
    private String batchNorm(Node n) {
        Attributes a = n.attributes();
        TensorType xt = n.inputs().get(0).type();
        DType t = xt.dtype();
        int rank = xt.rank();
        int axis = Shape.normalizeAxis(a.getInt("axis"), rank);
        long[] vectorShape = new long[rank - axis];
        Arrays.fill(vectorShape, 1);
        vectorShape[0] = -1;
        String shape = ints(vectorShape);
        String scale = node("Reshape", List.of(in(n, 1), shape));
        String offset = node("Reshape", List.of(in(n, 2), shape));
        String mean = node("Reshape", List.of(in(n, 3), shape));
        String variance = node("Reshape", List.of(in(n, 4), shape));
        String inv = node("Reciprocal", List.of(node("Sqrt", List.of(binary("Add", variance,
                scalar(t, a.getFloat("epsilon")))))));
        String centered = binary("Sub", in(n, 0), mean);
        return binary("Add", binary("Mul", centered, binary("Mul", scale, inv)), offset);
    }

    /**
     * reshape's pattern as ONNX's shape: static dims as they are, -1 for the inferred one, 0 (copy)
     * for a symbolic dim the input has at the same position; a static 0 dim needs allowzero.
     */
    private String reshape(Node n) {
        Attr.ShapeAttr pattern = n.attributes().getShape("shape");
        Shape in = n.inputs().get(0).type().shape();
        long[] target = new long[pattern.dims().size()];
        boolean zero = false;
        boolean copies = false;
        int unknown = pattern.inferredAxes().size();
        for (int i = 0; i < target.length; i++) {
            Dim d = n.output().type().shape().dim(i);
            if (pattern.inferredAxes().contains(i)) {
                target[i] = -1;
            } else if (pattern.dims().get(i).isStatic()) {
                target[i] = pattern.dims().get(i).size();
                zero |= target[i] == 0;
            } else if (i < in.rank() && in.dim(i).equals(d)) {
                target[i] = 0;
                copies = true;
            } else if (unknown++ == 0) {
                target[i] = -1;
            } else {
                throw new OnnxException("reshape to " + pattern + ": two dims unknown until run time have no ONNX form");
            }
        }
        if (zero && copies) {
            throw new OnnxException("reshape to " + pattern + ": a 0 dim beside a symbolic one has no ONNX form");
        }
        return node("Reshape", List.of(in(n, 0), ints(target)), attr("allowzero", zero ? 1 : 0));
    }

    /** Expand's shape: the target's static dims, 1 where a symbolic dim comes from the input. */
    private static long[] expandShape(Node n) {
        Shape target = n.output().type().shape();
        long[] dims = new long[target.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = target.dim(i).isStatic() ? target.dim(i).size() : 1;
        }
        return dims;
    }

    /** slice's begin/end/strides with masks as Slice's starts/ends/axes/steps over every axis. */
    private String slice(Node n) {
        Attributes a = n.attributes();
        long[] begin = a.getInts("begin");
        long[] end = a.getInts("end");
        int k = begin.length;
        long[] strides = a.has("strides") ? a.getInts("strides") : filled(k, 1);
        long beginMask = a.getInt("begin_mask");
        long endMask = a.getInt("end_mask");
        long[] starts = new long[k];
        long[] ends = new long[k];
        long[] axes = new long[k];
        for (int i = 0; i < k; i++) {
            boolean forward = strides[i] > 0;
            starts[i] = (beginMask >> i & 1) != 0 ? (forward ? 0 : -1) : begin[i];
            ends[i] = (endMask >> i & 1) != 0 ? (forward ? Long.MAX_VALUE : Long.MIN_VALUE) : end[i];
            axes[i] = i;
        }
        return node("Slice", List.of(in(n, 0), ints(starts), ints(ends), ints(axes), ints(strides)));
    }

    private static long[] filled(int n, long value) {
        long[] out = new long[n];
        Arrays.fill(out, value);
        return out;
    }

    /** A unit-stride slice_update: the update padded to x's shape replaces x where a padded mask of ones is true. */
    private String sliceUpdate(Node n) {
        Shape x = n.inputs().get(0).type().shape();
        Shape u = n.inputs().get(1).type().shape();
        Attributes a = n.attributes();
        long[] begin = a.getInts("begin");
        long beginMask = a.getInt("begin_mask");
        int rank = x.rank();
        long[] pads = new long[2 * rank];
        for (int i = 0; i < rank; i++) {
            if (!x.dim(i).isStatic() || !u.dim(i).isStatic()) {
                throw new OnnxException("slice_update over symbolic dims has no ONNX form here");
            }
            long lo = i < begin.length && (beginMask >> i & 1) == 0 ? Math.floorMod(begin[i], x.dim(i).size()) : 0;
            pads[i] = lo;
            pads[i + rank] = x.dim(i).size() - lo - u.dim(i).size();
        }
        String padsName = ints(pads);
        String padded = node("Pad", List.of(in(n, 1), padsName));
        String ones = node("Expand", List.of(scalar(DType.BOOL, 1), ints(longs(u.sizes()))));
        String mask = node("Pad", List.of(ones, padsName));
        return node("Where", List.of(mask, padded, in(n, 0)));
    }

    private String pad(Node n) {
        Attributes a = n.attributes();
        long[] paddings = a.getInts("paddings");
        int rank = paddings.length / 2;
        long[] pads = new long[2 * rank];
        for (int i = 0; i < rank; i++) {
            pads[i] = paddings[2 * i];
            pads[i + rank] = paddings[2 * i + 1];
        }
        DType t = n.output().type().dtype();
        return node("Pad", List.of(in(n, 0), ints(pads), scalar(t, a.getFloat("constant_value"))),
                attr("mode", a.getString("mode")));
    }

    /**
     * one_hot as Equal against the positions 0..depth-1 laid along the axis, then Where: portable
     * (ONNX Runtime's OneHot lacks many type combinations) and, as one_hot, all off for an index out
     * of range.
     */
    private String oneHot(Node n) {
        Attributes a = n.attributes();
        DType t = a.getDType("dtype");
        int depth = (int) a.getInt("depth");
        int rank = n.output().type().rank();
        int axis = Shape.normalizeAxis(a.getInt("axis"), rank);
        DType indexType = n.inputs().get(0).type().dtype();
        HostTensor.Writer positions = HostTensor.writer(indexType, new int[] {depth});
        for (int i = 0; i < depth; i++) {
            positions.setLong(i, i);
        }
        long[] along = new long[rank - axis];
        Arrays.fill(along, 1);
        along[0] = depth;
        String laid = node("Reshape", List.of(initializer(positions.build()), ints(along)));
        String hit = binary("Equal", node("Unsqueeze", List.of(in(n, 0), ints(axis))), laid);
        return node("Where", List.of(hit, scalar(t, a.getFloat("on_value")), scalar(t, a.getFloat("off_value"))));
    }


    // ---- control flow: regions as subgraphs that read the enclosing graph's values by name ----

    private static final TensorType INT64_SCALAR = new TensorType(DType.INT64, Shape.scalar());
    private static final TensorType BOOL_SCALAR = new TensorType(DType.BOOL, Shape.scalar());

    private static AttributeProto attr(String name, GraphProto g) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(g).build();
    }

    /** A node with {@code outputs} fresh output names; returns them. */
    private List<String> nodeWithOutputs(String type, List<String> inputs, int outputs, AttributeProto... attrs) {
        List<String> results = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            results.add(fresh());
        }
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(type).setName(results.get(0)).addAllInput(inputs)
                .addAllOutput(results);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        out.addNode(b);
        return results;
    }

    private List<String> inputNames(Node n, int from, int to) {
        return n.inputs().subList(from, to).stream().map(v -> names.get(v.name())).toList();
    }

    /** A region's nodes written into this scope's graph, its inputs being {@code inputs}; its outputs' names. */
    private List<String> inline(Function region, List<String> inputs) {
        OnnxExporter scope = new OnnxExporter(this, out);
        for (int i = 0; i < inputs.size(); i++) {
            scope.names.put(region.inputs().get(i).name(), inputs.get(i));
        }
        scope.lowerNodes(region);
        return region.outputs().stream().map(o -> scope.names.get(o.value().name())).toList();
    }

    interface Outputs {
        /** The subgraph's outputs, given the scope writing it, its leading inputs' and the region's outputs' names. */
        List<String> of(OnnxExporter scope, List<String> leading, List<String> regionOutputs);
    }

    /**
     * A region as an ONNX subgraph: inputs {@code leading} (a Loop body's iteration number and
     * condition), then the region's formal inputs, while its last {@code captures.size()} inputs read
     * those enclosing values by name; outputs as {@code outputs} makes them, typed {@code outputTypes}.
     */
    private GraphProto subgraph(Function region, List<TensorType> leading, List<String> captures,
                                List<TensorType> outputTypes, Outputs outputs) {
        GraphProto.Builder g = GraphProto.newBuilder().setName(region.name());
        OnnxExporter scope = new OnnxExporter(this, g);
        List<String> leadingNames = new ArrayList<>();
        for (TensorType t : leading) {
            String name = fresh();
            leadingNames.add(name);
            g.addInput(valueInfo(name, t));
        }
        int formal = region.inputs().size() - captures.size();
        for (int i = 0; i < region.inputs().size(); i++) {
            Value v = region.inputs().get(i);
            String name = i < formal ? fresh() : captures.get(i - formal);
            if (i < formal) {
                g.addInput(valueInfo(name, v.type()));
            }
            scope.names.put(v.name(), name);
        }
        scope.lowerNodes(region);
        List<String> regionOutputs = region.outputs().stream().map(o -> scope.names.get(o.value().name())).toList();
        List<String> results = outputs.of(scope, leadingNames, regionOutputs);
        for (int i = 0; i < results.size(); i++) {
            // Subgraph outputs are values of their own, as graph outputs are.
            String name = scope.node("Identity", List.of(results.get(i)));
            g.addOutput(valueInfo(name, outputTypes.get(i)));
        }
        return g.build();
    }

    private static List<TensorType> outputTypes(Function region) {
        return region.outputs().stream().map(o -> o.value().type()).toList();
    }

    private static List<TensorType> prepend(TensorType first, List<TensorType> rest) {
        List<TensorType> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** cond as If: both branches read the captures from the enclosing graph. */
    private List<String> ifElse(Node n) {
        List<String> captures = inputNames(n, 1, n.inputs().size());
        Outputs same = (scope, leading, outs) -> outs;
        GraphProto then = subgraph(n.regions().get(0), List.of(), captures, outputTypes(n.regions().get(0)), same);
        GraphProto otherwise = subgraph(n.regions().get(1), List.of(), captures, outputTypes(n.regions().get(1)), same);
        return nodeWithOutputs("If", List.of(in(n, 0)), n.outputs().size(), attr("then_branch", then),
                attr("else_branch", otherwise));
    }

    /** scan as Scan (reverse: both directions reversed, so step t's output lands at t); with nothing scanned, as a counted Loop. */
    private List<String> scan(Node n) {
        Attributes a = n.attributes();
        int carried = (int) a.getInt("carried");
        int scanned = (int) a.getInt("scanned");
        Function body = n.regions().get(0);
        List<String> captures = inputNames(n, carried + scanned, n.inputs().size());
        List<String> initial = inputNames(n, 0, carried + scanned);
        if (scanned == 0) {
            GraphProto g = subgraph(body, List.of(INT64_SCALAR, BOOL_SCALAR), captures,
                    prepend(BOOL_SCALAR, outputTypes(body)), (scope, leading, outs) -> {
                        List<String> all = new ArrayList<>(List.of(leading.get(1)));
                        all.addAll(outs);
                        return all;
                    });
            List<String> inputs = new ArrayList<>(List.of(initializer(HostTensor.scalar(DType.INT64,
                    a.getInt("length"))), ""));
            inputs.addAll(initial);
            return nodeWithOutputs("Loop", inputs, n.outputs().size(), attr("body", g));
        }
        GraphProto g = subgraph(body, List.of(), captures, outputTypes(body), (scope, leading, outs) -> outs);
        long[] directions = new long[scanned];
        long[] outDirections = new long[n.outputs().size() - carried];
        if (a.getBool("reverse")) {
            Arrays.fill(directions, 1);
            Arrays.fill(outDirections, 1);
        }
        return nodeWithOutputs("Scan", initial, n.outputs().size(), attr("body", g), attr("num_scan_inputs", scanned),
                attrInts("scan_input_directions", directions), attrInts("scan_output_directions", outDirections));
    }

    /**
     * while as Loop: ONNX tests the condition the body gives, so the condition region runs once on
     * the initial values here and again inside the body on each iteration's results.
     */
    private List<String> whileLoop(Node n) {
        Function condition = n.regions().get(0);
        Function body = n.regions().get(1);
        int carried = body.outputs().size();
        List<String> initial = inputNames(n, 0, carried);
        List<String> captures = inputNames(n, carried, n.inputs().size());
        List<String> firstCheck = new ArrayList<>(initial);
        firstCheck.addAll(captures);
        String go = inline(condition, firstCheck).get(0);
        GraphProto g = subgraph(body, List.of(INT64_SCALAR, BOOL_SCALAR), captures,
                prepend(BOOL_SCALAR, outputTypes(body)), (scope, leading, outs) -> {
                    List<String> check = new ArrayList<>(outs);
                    check.addAll(captures);
                    List<String> all = new ArrayList<>(scope.inline(condition, check));
                    all.addAll(outs);
                    return all;
                });
        long bound = n.attributes().getInt("max_iterations");
        List<String> inputs = new ArrayList<>(List.of(bound < 0 ? "" : initializer(HostTensor.scalar(DType.INT64,
                bound)), go));
        inputs.addAll(initial);
        return nodeWithOutputs("Loop", inputs, n.outputs().size(), attr("body", g));
    }

    /** resize as Resize on the spatial axes, with the same coordinate mapping and rounding. */
    private String resize(Node n) {
        Attributes a = n.attributes();
        boolean last = WindowGeometry.CHANNELS_LAST.equals(a.getString("data_format"));
        long[] sizes = a.getInts("sizes");
        long[] axes = new long[sizes.length];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = last ? 1 + i : 2 + i;
        }
        String transform = a.getString("coordinate_transformation");
        boolean nearest = a.getString("mode").equals(io.jitflow.ir.ops.Resize.NEAREST);
        // Nearest rounds the source coordinate half up, but for asymmetric, where it floors.
        String rounding = transform.equals("asymmetric") ? "floor" : "round_prefer_ceil";
        return node("Resize", List.of(in(n, 0), "", "", ints(sizes)), attr("mode", nearest ? "nearest" : "linear"),
                attr("coordinate_transformation_mode", transform), attr("nearest_mode", rounding),
                attrInts("axes", axes));
    }
}
