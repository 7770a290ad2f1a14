package io.jitflow.onnx;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.EvalCall;
import io.jitflow.ir.EvalContext;
import io.jitflow.ir.EvaluationException;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.IrException;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import io.jitflow.onnx.proto.OnnxProto.AttributeProto;
import io.jitflow.onnx.proto.OnnxProto.GraphProto;
import io.jitflow.onnx.proto.OnnxProto.ModelProto;
import io.jitflow.onnx.proto.OnnxProto.NodeProto;
import io.jitflow.onnx.proto.OnnxProto.OperatorSetIdProto;
import io.jitflow.onnx.proto.OnnxProto.TensorProto;
import io.jitflow.onnx.proto.OnnxProto.TensorShapeProto;
import io.jitflow.onnx.proto.OnnxProto.TypeProto;
import io.jitflow.onnx.proto.OnnxProto.ValueInfoProto;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Turns an ONNX model into a graph-ir {@link Graph} with one function. Each node is lowered by its
 * {@link OnnxOps} entry for the model's opset; values known at import time are folded with the
 * reference interpreter's op semantics, so shape computations (Shape, Gather, Concat into Reshape)
 * become attributes. Inputs that decide a shape must be known: initializers, Constant nodes, or
 * model inputs whose values the caller binds.
 */
final class OnnxImporter {
    /** The oldest and newest default-domain opsets whose op versions are mapped. */
    static final int MIN_OPSET = 1;
    static final int MAX_OPSET = 28;
    /** Folding stops at results this large: the compiler folds the rest, without holding copies here. */
    private static final long FOLD_LIMIT = 1 << 24;

    private final ModelProto model;
    private final String file;
    private final Path folder;
    private final Map<String, HostTensor> bound;
    private final Predicate<String> trainable;
    /** The initializers that became variables, by graph variable name. */
    private final Map<String, Variable> variables = new LinkedHashMap<>();
    private final int opset;
    private final FunctionBuilder builder;
    /** The scope whose values a subgraph's scope reads (a branch's, a loop body's); null for the model's graph. */
    private final OnnxImporter parent;
    private final Map<String, Operand> values = new HashMap<>();
    /** The symbolic dims that shape values hold, by code: shared by a model's scopes. */
    private final List<Dim> symbols;
    /** Codes of symbolic dims in shape values: far below any dim or shape entry (-1) a model writes, within int32. */
    private static final long SYMBOL_BASE = -1_500_000_000L;
    /** The ops that only move the entries of a shape value around, so its symbolic dims pass through them. */
    private static final Set<Op> SHAPE_MOVES = java.util.EnumSet.of(Op.GATHER, Op.CONCAT, Op.SLICE, Op.EXPAND_DIMS,
            Op.SQUEEZE, Op.RESHAPE, Op.TRANSPOSE, Op.CAST, Op.TILE, Op.BROADCAST_TO);
    private final Set<String> usedNames = new HashSet<>();

    private OnnxImporter(ModelProto model, String file, Path folder, Map<String, HostTensor> bound,
                         Predicate<String> trainable) {
        this.model = model;
        this.file = file;
        this.folder = folder;
        this.bound = bound;
        this.trainable = trainable;
        this.opset = defaultOpset(model, file);
        this.parent = null;
        this.symbols = new ArrayList<>();
        this.builder = new FunctionBuilder(Onnx.FUNCTION_NAME, name -> {
            Variable v = variables.get(name);
            return v == null ? null : v.type();
        });
    }

    private OnnxImporter(OnnxImporter parent, String regionName) {
        this.model = parent.model;
        this.file = parent.file;
        this.folder = parent.folder;
        this.bound = Map.of();
        this.trainable = name -> false;
        this.opset = parent.opset;
        this.parent = parent;
        this.symbols = parent.symbols;
        this.builder = new FunctionBuilder(regionName, InferenceContext.NO_VARIABLES);
    }

    static Graph importModel(ModelProto model, String file, Path folder, Map<String, HostTensor> bound,
                             Predicate<String> trainable) {
        return new OnnxImporter(model, file, folder, bound, trainable).run();
    }

    private static int defaultOpset(ModelProto model, String file) {
        for (OperatorSetIdProto id : model.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                long v = id.getVersion();
                if (v < MIN_OPSET || v > MAX_OPSET) {
                    throw new OnnxException(file + ": default-domain opset " + v + " is not supported (supported: "
                            + MIN_OPSET + " to " + MAX_OPSET + ")");
                }
                return (int) v;
            }
        }
        throw new OnnxException(file + ": the model imports no version of the default ONNX domain");
    }

    private Graph run() {
        GraphProto g = model.getGraph();
        if (!model.hasGraph()) {
            throw new OnnxException(file + ": the model has no graph");
        }
        if (g.getSparseInitializerCount() > 0) {
            throw new OnnxException(file + ": sparse initializers are not supported ("
                    + g.getSparseInitializer(0).getValues().getName() + ")");
        }
        refuseUnsupportedOps(g);
        Map<String, TensorProto> initializers = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Set<String> decideShapes = valuesThatDecideShapes(g);
        Set<String> mustBeKnown = inputsThatDecideShapes(g, initializers.keySet());
        for (String name : bound.keySet()) {
            if (g.getInputList().stream().noneMatch(in -> in.getName().equals(name))) {
                throw new OnnxException(file + ": a value was bound to '" + name + "', which is not a model input");
            }
        }
        List<String> unbound = mustBeKnown.stream().filter(n -> !bound.containsKey(n)).toList();
        if (!unbound.isEmpty()) {
            throw new OnnxException(file + ": model input" + (unbound.size() > 1 ? "s " : " ") + quoted(unbound)
                    + " decide" + (unbound.size() > 1 ? "" : "s") + " a result's shape, which Jitflow fixes when it"
                    + " compiles; bind " + (unbound.size() > 1 ? "their values" : "its value")
                    + " when importing (Onnx.read(path, Map.of(name, value)), or jitflow import --input NAME=FILE.npy)");
        }
        for (Map.Entry<String, TensorProto> e : initializers.entrySet()) {
            HostTensor value = TensorProtos.read(e.getValue(), folder, file + ": initializer '" + e.getKey() + "'");
            boolean becomesVariable = value.dtype().isFloating() && !decideShapes.contains(e.getKey())
                    && trainable.test(e.getKey());
            values.put(e.getKey(), becomesVariable ? new Operand(readVariable(e.getKey(), value))
                    : new Operand(value));
        }
        for (ValueInfoProto in : g.getInputList()) {
            String name = in.getName();
            HostTensor given = bound.get(name);
            if (given != null) {
                TensorType declared = declaredType(in, "input");
                if (given.dtype() != declared.dtype() || given.rank() != declared.rank()) {
                    throw new OnnxException(file + ": the value bound to input '" + name + "' is " + given.type()
                            + ", the model declares " + declared);
                }
                values.put(name, new Operand(given));
            } else if (!initializers.containsKey(name)) {
                values.put(name, new Operand(builder.input(claim(name), declaredType(in, "input"))));
            }
        }
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            importNode(nodes.get(i), i);
        }
        for (ValueInfoProto out : g.getOutputList()) {
            Operand o = values.get(out.getName());
            if (o == null) {
                throw new OnnxException(file + ": graph output '" + out.getName() + "' is computed by no node");
            }
            checkDeclared(out, o.type);
            builder.output(claim(identifier(out.getName())), materialize(o));
        }
        Function f = builder.build();
        Graph graph = Graph.of(List.copyOf(variables.values()), List.of(f));
        for (var entry : model.getMetadataPropsList()) {
            graph = graph.withMetadata(entry.getKey(), entry.getValue());
        }
        return graph;
    }

    /** A trainable variable holding an initializer's value, and its read at the top of the function. */
    private Value readVariable(String initializer, HostTensor value) {
        String name = claim(identifier(initializer));
        variables.put(name, new Variable(name, value.type(), value, true));
        return builder.add(Op.READ_VARIABLE, Attributes.builder().put("name", name).build());
    }

    /** One error naming every op the model uses that Jitflow cannot import, with node names and opset. */
    private void refuseUnsupportedOps(GraphProto g) {
        Map<String, List<String>> missing = new TreeMap<>();
        collectUnsupported(g, missing);
        if (!missing.isEmpty()) {
            StringBuilder sb = new StringBuilder(file + ": " + missing.size() + " op type"
                    + (missing.size() > 1 ? "s are" : " is") + " not supported (default-domain opset " + opset + "):");
            missing.forEach((op, names) -> sb.append("\n  ").append(op).append(" (").append(names.size())
                    .append(names.size() > 1 ? " nodes: " : " node: ").append(String.join(", ", names.subList(0,
                            Math.min(names.size(), 5)))).append(names.size() > 5 ? ", ..." : "").append(')'));
            throw new OnnxException(sb.toString());
        }
    }

    /** The unsupported op types of {@code g} and its subgraphs, with their node names. */
    private static void collectUnsupported(GraphProto g, Map<String, List<String>> missing) {
        for (NodeProto n : g.getNodeList()) {
            subgraphs(n).forEach(sub -> collectUnsupported(sub, missing));
            String domain = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? "" : n.getDomain();
            if (!domain.isEmpty() || !OnnxOps.supports(n.getOpType())) {
                String key = (domain.isEmpty() ? "" : domain + ".") + n.getOpType();
                missing.computeIfAbsent(key, k -> new ArrayList<>()).add("'" + nodeName(n) + "'");
            }
        }
    }

    /** The graphs a node's attributes hold (If's branches, Loop's and Scan's bodies). */
    private static List<GraphProto> subgraphs(NodeProto n) {
        List<GraphProto> graphs = new ArrayList<>();
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            graphs.addAll(a.getGraphsList());
        }
        return graphs;
    }

    // ---- subgraph scopes ----

    /** A scope for a subgraph of this scope's nodes: its own function (a region), reading this scope's values. */
    OnnxImporter subgraph(String regionName) {
        return new OnnxImporter(this, regionName);
    }

    /** A value by ONNX name: this scope's, else an enclosing scope's constant (copied in), else null. */
    private Operand lookup(String name) {
        Operand o = values.get(name);
        if (o == null && parent != null) {
            Operand outer = parent.lookup(name);
            if (outer != null && outer.isConstant()) {
                o = new Operand(outer.constant);
                values.put(name, o);
            }
        }
        return o;
    }

    /** Declares an input of this scope's region. */
    Operand input(String name, TensorType type) {
        return new Operand(builder.input(claim(name), type));
    }

    /**
     * The names that subgraphs of this scope read from it (or from scopes around it) and that are
     * computed values, not constants, in first-use order: the captures their regions take.
     */
    List<String> captures(List<GraphProto> bodies) {
        Set<String> names = new LinkedHashSet<>();
        for (GraphProto body : bodies) {
            names.addAll(freeNames(body));
        }
        return names.stream().filter(n -> {
            Operand o = lookup(n);
            return o != null && !o.isConstant();
        }).toList();
    }

    /** This scope's operands for {@code names}. */
    List<Operand> operands(List<String> names) {
        return names.stream().map(this::lookup).toList();
    }

    /**
     * An enclosing scope's operand as this region sees it: a constant is copied in; a computed value
     * becomes a new region input, which the caller must pass to the op after the formal inputs, in order.
     */
    Operand capture(Operand outer, String name) {
        return outer.isConstant() ? new Operand(outer.constant) : input(name, outer.type);
    }

    /** Declares the captures as inputs of this region, after its formal inputs, as the values of the enclosing scope. */
    void declareCaptures(List<String> names) {
        for (String name : names) {
            values.put(name, input(name, parent.lookup(name).type));
        }
    }

    /** The names a graph reads that neither it nor its subgraphs define. */
    private static Set<String> freeNames(GraphProto g) {
        Set<String> defined = new HashSet<>();
        g.getInputList().forEach(i -> defined.add(i.getName()));
        g.getInitializerList().forEach(t -> defined.add(t.getName()));
        g.getNodeList().forEach(n -> defined.addAll(n.getOutputList()));
        Set<String> free = new LinkedHashSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    free.add(in);
                }
            }
            for (GraphProto sub : subgraphs(n)) {
                freeNames(sub).stream().filter(name -> !defined.contains(name)).forEach(free::add);
            }
        }
        g.getOutputList().stream().map(ValueInfoProto::getName).filter(name -> !defined.contains(name)).forEach(free::add);
        return free;
    }

    /** Imports a subgraph's initializers and nodes into this scope, its inputs bound to {@code inputs}; its outputs. */
    List<Operand> importBody(GraphProto g, List<Operand> inputs) {
        if (g.getInputCount() != inputs.size()) {
            throw new OnnxException(file + ": subgraph '" + g.getName() + "' declares " + g.getInputCount()
                    + " inputs, its op gives it " + inputs.size());
        }
        for (int i = 0; i < inputs.size(); i++) {
            values.put(g.getInput(i).getName(), inputs.get(i));
        }
        for (TensorProto t : g.getInitializerList()) {
            values.put(t.getName(), new Operand(TensorProtos.read(t, folder, file + ": initializer '" + t.getName()
                    + "' of subgraph '" + g.getName() + "'")));
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            importNode(g.getNode(i), i);
        }
        List<Operand> outputs = new ArrayList<>();
        for (ValueInfoProto out : g.getOutputList()) {
            Operand o = lookup(out.getName());
            if (o == null) {
                throw new OnnxException(file + ": output '" + out.getName() + "' of subgraph '" + g.getName()
                        + "' is computed by no node");
            }
            outputs.add(o);
        }
        return outputs;
    }

    /** This scope's region, giving {@code outputs}. */
    Function finish(List<Operand> outputs) {
        for (int i = 0; i < outputs.size(); i++) {
            builder.output("out" + i, materialize(outputs.get(i)));
        }
        return builder.build();
    }

    /**
     * The model inputs (not initializers) that an op needs as values at import time: a Reshape's
     * shape, a Slice's starts, ...
     */
    static Set<String> inputsThatDecideShapes(GraphProto g, Set<String> initializers) {
        Set<String> found = new LinkedHashSet<>();
        Set<String> decide = valuesThatDecideShapes(g);
        for (ValueInfoProto in : g.getInputList()) {
            if (decide.contains(in.getName()) && !initializers.contains(in.getName())) {
                found.add(in.getName());
            }
        }
        return found;
    }

    /**
     * The values that ops need at import time, found by walking back from each such operand
     * through the nodes that compute it, subgraphs' nodes included (ONNX's names are unique
     * across them). Shape and Size stop the walk: they depend only on static shapes. An If's
     * output leads to its condition and to both branches' outputs at its position.
     */
    private static Set<String> valuesThatDecideShapes(GraphProto g) {
        Map<String, NodeProto> producer = new HashMap<>();
        Map<String, Integer> position = new HashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        collectNodes(g, nodes);
        for (NodeProto n : nodes) {
            for (int i = 0; i < n.getOutputCount(); i++) {
                producer.put(n.getOutput(i), n);
                position.put(n.getOutput(i), i);
            }
        }
        Set<String> visited = new LinkedHashSet<>();
        List<String> work = new ArrayList<>();
        for (NodeProto n : nodes) {
            for (int i : OnnxOps.staticInputs(n.getOpType())) {
                if (i < n.getInputCount() && !n.getInput(i).isEmpty()) {
                    work.add(n.getInput(i));
                }
            }
        }
        while (!work.isEmpty()) {
            String name = work.remove(work.size() - 1);
            if (!visited.add(name)) {
                continue;
            }
            NodeProto p = producer.get(name);
            if (p == null || p.getOpType().equals("Shape") || p.getOpType().equals("Size")) {
                continue;
            }
            p.getInputList().stream().filter(in -> !in.isEmpty()).forEach(work::add);
            if (p.getOpType().equals("If")) {
                for (AttributeProto a : p.getAttributeList()) {
                    if (a.hasG() && position.get(name) < a.getG().getOutputCount()) {
                        work.add(a.getG().getOutput(position.get(name)).getName());
                    }
                }
            }
        }
        return visited;
    }

    /** The nodes of {@code g} and of every subgraph in it. */
    private static void collectNodes(GraphProto g, List<NodeProto> into) {
        for (NodeProto n : g.getNodeList()) {
            into.add(n);
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectNodes(a.getG(), into);
                }
                a.getGraphsList().forEach(sub -> collectNodes(sub, into));
            }
        }
    }

    private void importNode(NodeProto n, int index) {
        List<Operand> inputs = new ArrayList<>();
        for (String in : n.getInputList()) {
            if (in.isEmpty()) {
                inputs.add(null);
                continue;
            }
            Operand o = lookup(in);
            if (o == null) {
                throw new OnnxException(file + ": node '" + nodeName(n) + "' (" + n.getOpType() + ", #" + index
                        + ") uses '" + in + "' before any node computes it (the graph must be in topological order"
                        + " and free of cycles)");
            }
            inputs.add(o);
        }
        ImportContext c = new ImportContext(this, n, opset, inputs, describe(n, index));
        List<Operand> results;
        try {
            results = OnnxOps.lower(c);
        } catch (OnnxException e) {
            throw e;
        } catch (IrException | IllegalArgumentException | ArithmeticException e) {
            throw c.error(e.getMessage());
        }
        for (int j = 0; j < n.getOutputCount(); j++) {
            String out = n.getOutput(j);
            if (out.isEmpty()) {
                continue;
            }
            if (j >= results.size() || results.get(j) == null) {
                throw c.error("output " + j + " ('" + out + "') is not supported");
            }
            values.put(out, results.get(j));
        }
    }

    private String describe(NodeProto n, int index) {
        return file + ": node '" + nodeName(n) + "' (" + n.getOpType() + " #" + index + ", opset " + opset + ")";
    }

    private static String nodeName(NodeProto n) {
        return n.getName().isEmpty() ? (n.getOutputCount() > 0 ? n.getOutput(0) : n.getOpType()) : n.getName();
    }

    /** Adds an op holding regions (control flow) to the function. */
    List<Operand> emit(Op op, Attributes attrs, List<Operand> operands, List<Function> regions) {
        List<Value> args = operands.stream().map(this::materialize).toList();
        return builder.add(op, NodeFactory.complete(op, attrs), args, regions, null).stream().map(Operand::new).toList();
    }

    // ---- shape values with symbolic dims ----

    /** The code that stands for dim {@code d} in a shape value: its size when static. */
    long symbolValue(Dim d) {
        if (d.isStatic()) {
            return d.size();
        }
        int k = symbols.indexOf(d);
        if (k < 0) {
            k = symbols.size();
            symbols.add(d);
        }
        return SYMBOL_BASE - k;
    }

    /** The symbolic dim a shape entry stands for, or null when it is a plain number. */
    Dim symbol(long entry) {
        long k = SYMBOL_BASE - entry;
        return k >= 0 && k < symbols.size() ? symbols.get((int) k) : null;
    }

    /** A shape value: a constant when all its entries are plain numbers. */
    Operand dims(HostTensor encoded) {
        for (long v : encoded.toLongArray()) {
            if (symbol(v) != null) {
                return Operand.symbolicDims(encoded);
            }
        }
        return new Operand(encoded);
    }

    private String symbolsIn(HostTensor encoded) {
        return java.util.Arrays.stream(encoded.toLongArray()).mapToObj(this::symbol).filter(java.util.Objects::nonNull)
                .distinct().map(Dim::toString).toList().toString();
    }

    /** {@code op} on shape values: moved entries keep their codes; anything that computes with them is refused. */
    private List<Operand> emitOnDims(Op op, Attributes complete, List<Operand> operands) {
        HostTensor symbolic = operands.stream().filter(Operand::isSymbolicDims).findFirst().orElseThrow().dims;
        boolean integerCast = op != Op.CAST || complete.getDType("dtype").isInteger();
        if (!SHAPE_MOVES.contains(op) || !integerCast
                || !operands.stream().allMatch(o -> o.isConstant() || o.isSymbolicDims())) {
            throw new IllegalArgumentException(op.mnemonic() + " computes with the symbolic dim(s) "
                    + symbolsIn(symbolic) + " of a shape; Jitflow compiles for static shapes, where a symbolic dim"
                    + " may only be moved into a Reshape, Expand or ConstantOfShape (export the model with static sizes)");
        }
        List<HostTensor> encoded = operands.stream().map(o -> o.isSymbolicDims() ? o.dims : o.constant).toList();
        List<HostTensor> moved = op.definition().evaluation().evaluate(new EvalCall(op, encoded, complete,
                EvalContext.CONSTANT));
        return moved.stream().map(this::dims).toList();
    }

    /** Adds {@code op} to the function, or evaluates it here when every operand is known and the result small. */
    List<Operand> emit(Op op, Attributes attrs, List<Operand> operands) {
        Attributes complete = NodeFactory.complete(op, attrs);
        if (operands.stream().anyMatch(Operand::isSymbolicDims)) {
            return emitOnDims(op, complete, operands);
        }
        List<TensorType> types = NodeFactory.infer(op, operands.stream().map(o -> o.type).toList(), complete,
                InferenceContext.NO_VARIABLES);
        if (operands.stream().allMatch(Operand::isConstant) && !op.has(Op.Trait.RANDOM) && small(types)) {
            try {
                List<HostTensor> folded = op.definition().evaluation().evaluate(new EvalCall(op,
                        operands.stream().map(o -> o.constant).toList(), complete, EvalContext.CONSTANT));
                return folded.stream().map(Operand::new).toList();
            } catch (EvaluationException e) {
                throw new OnnxException(e.getMessage(), e);
            }
        }
        List<Value> args = operands.stream().map(this::materialize).toList();
        return builder.add(op, complete, args, null).stream().map(Operand::new).toList();
    }

    private static boolean small(List<TensorType> types) {
        for (TensorType t : types) {
            if (!t.shape().isStatic() || t.shape().elementCount() > FOLD_LIMIT) {
                return false;
            }
        }
        return true;
    }

    /** The graph value of an operand, placing a constant in the graph the first time it is used there. */
    Value materialize(Operand o) {
        if (o.isSymbolicDims()) {
            throw new IllegalArgumentException("a shape holding the symbolic dim(s) " + symbolsIn(o.dims)
                    + " is used as data; Jitflow compiles for static shapes, where a symbolic dim may only be moved"
                    + " into a Reshape, Expand or ConstantOfShape (export the model with static sizes)");
        }
        if (o.value == null) {
            o.value = builder.add(Op.CONSTANT, Attributes.builder().put("value", o.constant).build());
        }
        return o.value;
    }

    private TensorType declaredType(ValueInfoProto info, String what) {
        String where = file + ": " + what + " '" + info.getName() + "'";
        TypeProto t = info.getType();
        if (!t.hasTensorType()) {
            throw new OnnxException(where + ": only tensor types are supported, got " + t.getValueCase());
        }
        DType dtype = TensorProtos.dtype(t.getTensorType().getElemType(), where);
        if (!t.getTensorType().hasShape()) {
            throw new OnnxException(where + ": the model declares no shape (its rank must be known)");
        }
        List<Dim> dims = new ArrayList<>();
        List<TensorShapeProto.Dimension> declared = t.getTensorType().getShape().getDimList();
        for (int i = 0; i < declared.size(); i++) {
            TensorShapeProto.Dimension d = declared.get(i);
            if (d.hasDimValue()) {
                if (d.getDimValue() < 0 || d.getDimValue() > Integer.MAX_VALUE) {
                    throw new OnnxException(where + ": dim " + i + " is " + d.getDimValue());
                }
                dims.add(Dim.of((int) d.getDimValue()));
            } else {
                String param = d.hasDimParam() && !d.getDimParam().isEmpty() ? d.getDimParam()
                        : info.getName() + "_dim" + i;
                dims.add(Dim.named(identifier(param)));
            }
        }
        return new TensorType(dtype, Shape.of(dims));
    }

    private void checkDeclared(ValueInfoProto out, TensorType actual) {
        TypeProto t = out.getType();
        if (!t.hasTensorType()) {
            return;
        }
        String where = file + ": graph output '" + out.getName() + "'";
        DType dtype = TensorProtos.dtype(t.getTensorType().getElemType(), where);
        if (dtype != actual.dtype()) {
            throw new OnnxException(where + " is declared " + dtype + " but computes " + actual);
        }
        if (t.getTensorType().hasShape()) {
            List<TensorShapeProto.Dimension> dims = t.getTensorType().getShape().getDimList();
            boolean rankDiffers = dims.size() != actual.rank();
            for (int i = 0; !rankDiffers && i < dims.size(); i++) {
                Dim a = actual.shape().dim(i);
                rankDiffers = dims.get(i).hasDimValue() && a.isStatic() && a.size() != dims.get(i).getDimValue();
            }
            if (rankDiffers) {
                throw new OnnxException(where + " is declared with shape " + dimsText(dims) + " but computes " + actual);
            }
        }
    }

    private static String dimsText(List<TensorShapeProto.Dimension> dims) {
        return dims.stream().map(d -> d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam()).toList()
                .toString();
    }

    /** A unique name in the text format's alphabet for an ONNX value name. */
    private String claim(String onnxName) {
        String base = onnxName.replaceAll("[^a-zA-Z0-9_./]", "_");
        if (base.isEmpty()) {
            base = "v";
        }
        String name = base;
        for (int k = 1; !usedNames.add(name); k++) {
            name = base + "_" + k;
        }
        return name;
    }

    /** ONNX names as identifiers: outputs and symbolic dims start with a letter or underscore. */
    static String identifier(String onnxName) {
        String s = onnxName.replaceAll("[^a-zA-Z0-9_]", "_");
        return s.isEmpty() || !Character.isJavaIdentifierStart(s.charAt(0)) ? "_" + s : s;
    }

    private static String quoted(List<String> names) {
        return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
    }

}
