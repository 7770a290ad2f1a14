package io.jitflow.onnx;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a lowering sees of one ONNX node: its inputs, attributes and opset, and a way to emit ops. */
final class ImportContext {
    private final OnnxImporter importer;
    private final NodeProto node;
    private final int opset;
    private final List<Operand> inputs;
    private final String description;
    private final Map<String, AttributeProto> attributes = new HashMap<>();

    ImportContext(OnnxImporter importer, NodeProto node, int opset, List<Operand> inputs, String description) {
        this.importer = importer;
        this.node = node;
        this.opset = opset;
        this.inputs = inputs;
        this.description = description;
        for (AttributeProto a : node.getAttributeList()) {
            if (!a.getRefAttrName().isEmpty()) {
                throw error("attribute '" + a.getName() + "' refers to a function attribute, which only functions have");
            }
            attributes.put(a.getName(), a);
        }
    }

    String opType() {
        return node.getOpType();
    }

    /** The model's default-domain opset, which selects the op's version. */
    int opset() {
        return opset;
    }

    OnnxException error(String message) {
        return new OnnxException(description + ": " + message);
    }

    // ---- inputs ----

    int inputCount() {
        return inputs.size();
    }

    /** Whether optional input {@code i} is given (present and not the empty name). */
    boolean has(int i) {
        return i < inputs.size() && inputs.get(i) != null;
    }

    Operand in(int i) {
        if (!has(i)) {
            throw error("input " + i + " is required");
        }
        return inputs.get(i);
    }

    /** Input {@code i}'s value, which this op needs at import time (a shape, axes, a count). */
    HostTensor known(int i) {
        Operand o = in(i);
        if (o.isSymbolicDims()) {
            throw error("input " + i + " ('" + node.getInput(i) + "') holds symbolic dims, but this op needs"
                    + " its value at import time; Jitflow compiles for static shapes (export the model with static sizes)");
        }
        if (!o.isConstant()) {
            throw error("input " + i + " ('" + node.getInput(i) + "') must be known at import time: it decides "
                    + "the result's shape; compute it from initializers, constants or static shapes");
        }
        return o.constant;
    }

    /** A target shape's entries (a Reshape's, an Expand's): known, symbolic dims as their codes ({@link #symbol}). */
    long[] shapeEntries(int i) {
        Operand o = in(i);
        return o.isSymbolicDims() ? o.dims.toLongArray() : knownInts(i);
    }

    /** The symbolic dim a shape entry stands for, or null for a plain number. */
    Dim symbol(long entry) {
        return importer.symbol(entry);
    }

    /** A target shape given as input {@code i}, with its symbolic dims. */
    Shape shapeInput(int i) {
        long[] entries = shapeEntries(i);
        List<Dim> dims = new java.util.ArrayList<>();
        for (long d : entries) {
            Dim s = symbol(d);
            if (s == null && (d < 0 || d > Integer.MAX_VALUE)) {
                throw error("bad dim " + d + " in shape " + Arrays.toString(entries));
            }
            dims.add(s != null ? s : Dim.of((int) d));
        }
        return Shape.of(dims);
    }

    /** The dims of a shape as a shape value: a constant, or one holding the symbolic dims. */
    Operand dimsOf(List<Dim> dims) {
        long[] entries = dims.stream().mapToLong(importer::symbolValue).toArray();
        return importer.dims(HostTensor.of(entries, entries.length));
    }

    long[] knownInts(int i) {
        HostTensor t = known(i);
        if (!t.dtype().isInteger()) {
            throw error("input " + i + " ('" + node.getInput(i) + "') must be integers, got " + t.type());
        }
        return t.toLongArray();
    }

    // ---- attributes ----

    boolean hasAttr(String name) {
        return attributes.containsKey(name);
    }

    private AttributeProto attr(String name, AttributeProto.AttributeType type) {
        AttributeProto a = attributes.get(name);
        if (a != null && a.hasType() && a.getType() != type) {
            throw error("attribute '" + name + "' must be " + type + ", got " + a.getType());
        }
        return a;
    }

    long attrInt(String name, long defaultValue) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.INT);
        return a == null ? defaultValue : a.getI();
    }

    double attrFloat(String name, double defaultValue) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.FLOAT);
        return a == null ? defaultValue : a.getF();
    }

    String attrString(String name, String defaultValue) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.STRING);
        return a == null ? defaultValue : a.getS().toStringUtf8();
    }

    /** An INTS attribute, or {@code null} when absent. */
    long[] attrInts(String name) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.INTS);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] attrFloats(String name) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.FLOATS);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.getFloats(i);
        }
        return out;
    }

    /** A STRINGS attribute, or {@code null} when absent. */
    String[] attrStrings(String name) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.STRINGS);
        return a == null ? null : a.getStringsList().stream().map(b -> b.toStringUtf8()).toArray(String[]::new);
    }

    /** A TENSOR attribute, or {@code null} when absent. */
    HostTensor attrTensor(String name) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.TENSOR);
        return a == null ? null : TensorProtos.read(a.getT(), null, description + ": attribute '" + name + "'");
    }

    /** A GRAPH attribute (a branch, a loop body); required. */
    GraphProto attrGraph(String name) {
        AttributeProto a = attr(name, AttributeProto.AttributeType.GRAPH);
        if (a == null) {
            throw error("attribute '" + name + "' (a graph) is required");
        }
        return a.getG();
    }

    /** The attributes' names, for ops such as Constant that take one of several. */
    List<String> attrNames() {
        return node.getAttributeList().stream().map(AttributeProto::getName).toList();
    }

    // ---- outputs ----

    int outputCount() {
        return node.getOutputCount();
    }

    boolean wantsOutput(int j) {
        return j < node.getOutputCount() && !node.getOutput(j).isEmpty();
    }

    // ---- emitting ----

    Operand emit(Op op, Attributes attrs, Operand... operands) {
        return importer.emit(op, attrs, Arrays.asList(operands)).get(0);
    }

    /** Emits an op that holds regions; its results. */
    List<Operand> emit(Op op, Attributes attrs, List<Operand> operands, List<io.jitflow.ir.Function> regions) {
        return importer.emit(op, attrs, operands, regions);
    }

    /** This node's context emitting into another scope: a region that this node's lowering builds. */
    ImportContext in(OnnxImporter other) {
        return new ImportContext(other, node, opset, inputs, description);
    }

    /** The scope this node is imported into, which opens scopes for its subgraphs. */
    OnnxImporter scope() {
        return importer;
    }

    Operand emit(Op op, Operand... operands) {
        return emit(op, Attributes.empty(), operands);
    }

    Operand constant(HostTensor value) {
        return new Operand(value);
    }

    Operand scalar(DType dtype, double value) {
        return new Operand(HostTensor.scalar(dtype, value));
    }

    // ---- common shapes of emission ----

    static Attributes.Builder attrs() {
        return Attributes.builder();
    }

    Operand cast(Operand x, DType dtype) {
        return x.type.dtype() == dtype ? x : emit(Op.CAST, attrs().put("dtype", dtype).build(), x);
    }

    Operand transpose(Operand x, long... perm) {
        return emit(Op.TRANSPOSE, attrs().putInts("perm", perm).build(), x);
    }

    Operand expandDims(Operand x, int axis) {
        return emit(Op.EXPAND_DIMS, attrs().put("axis", axis).build(), x);
    }

    Operand squeeze(Operand x, long... axes) {
        return emit(Op.SQUEEZE, attrs().putInts("axes", axes).build(), x);
    }

    Operand reduce(Op op, Operand x, long[] axes, boolean keepdims) {
        Attributes.Builder a = attrs().put("keepdims", keepdims);
        if (axes != null) {
            a.putInts("axes", axes);
        }
        return emit(op, a.build(), x);
    }

    /** x[start:end:step] along one axis, every other axis whole (Python slicing: negatives count from the end). */
    Operand sliceAxis(Operand x, int axis, long start, long end, long step) {
        int rank = x.rank();
        long[] begin = new long[rank];
        long[] stop = new long[rank];
        long[] strides = new long[rank];
        Arrays.fill(strides, 1);
        long mask = ((1L << rank) - 1) & ~(1L << axis);
        begin[axis] = start;
        stop[axis] = end;
        strides[axis] = step;
        return emit(Op.SLICE, attrs().putInts("begin", begin).putInts("end", stop).putInts("strides", strides)
                .put("begin_mask", mask).put("end_mask", mask).build(), x);
    }

    /** The static size of {@code x}'s dim {@code axis}, or an error saying the op needs it. */
    int staticDim(Operand x, int axis) {
        if (!x.shape().dim(axis).isStatic()) {
            throw error("needs a static size for dim " + axis + " of " + x.type);
        }
        return x.shape().dim(axis).size();
    }

    /** An INT attribute that must be at least 1 ({@code what} says so in the error). */
    long positiveAttr(String name, long defaultValue, String what) {
        long value = attrInt(name, defaultValue);
        if (value < 1) {
            throw error(name + " must be " + what + ", got " + value);
        }
        return value;
    }

    int normalizeAxis(long axis, int rank) {
        if (axis < -rank || axis >= Math.max(rank, 1)) {
            throw error("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
