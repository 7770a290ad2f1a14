package io.jitflow.text;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Node;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Op;
import io.jitflow.ir.OpTypeException;
import io.jitflow.ir.Shape;
import io.jitflow.ir.SourceLocation;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import io.jitflow.ir.Verifier;
import io.jitflow.ir.text.ElementFormat;
import io.jitflow.text.JitflowGraphParser.AttributeContext;
import io.jitflow.text.JitflowGraphParser.AttributeValueContext;
import io.jitflow.text.JitflowGraphParser.ElementContext;
import io.jitflow.text.JitflowGraphParser.FunctionDeclContext;
import io.jitflow.text.JitflowGraphParser.StatementContext;
import io.jitflow.text.JitflowGraphParser.TensorLiteralContext;
import io.jitflow.text.JitflowGraphParser.TensorTypeContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * Reads the text format into a {@link Graph}. Syntax errors, unknown names and malformed literals
 * are reported as {@link GraphParseException} at file:line:column; type errors come from the
 * {@link Verifier} at the offending node's line.
 */
public final class GraphParser {
    /** Deeper bracket nesting than any real tensor needs; refusing it keeps the parser's stack safe. */
    static final int MAX_NESTING = 64;

    private final String source;
    private final SidecarReader sidecars;
    /** The opset the file declares: ops introduced later are refused. */
    private int opset;

    private GraphParser(String source, SidecarReader sidecars) {
        this.source = source;
        this.sidecars = sidecars;
    }

    /** Parses a file; external data is read from sidecar files in the same folder. */
    public static Graph parse(Path file) throws IOException {
        String text = TextFiles.readUtf8(file);
        Path dir = file.toAbsolutePath().getParent();
        try (SidecarReader sidecars = new SidecarReader(dir)) {
            return new GraphParser(file.toString(), sidecars).parseText(text);
        }
    }

    /** Parses text that refers to no external data; {@code source} names it in messages. */
    public static Graph parse(String text, String source) {
        try (SidecarReader sidecars = new SidecarReader(null)) {
            return new GraphParser(source, sidecars).parseText(text);
        }
    }

    private Graph parseText(String text) {
        JitflowGraphLexer lexer = new JitflowGraphLexer(CharStreams.fromString(text, source));
        ThrowingListener listener = new ThrowingListener();
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        tokens.fill();
        checkNesting(tokens);
        JitflowGraphParser parser = new JitflowGraphParser(tokens);
        parser.removeErrorListeners();
        parser.addErrorListener(listener);
        parser.getInterpreter().setPredictionMode(PredictionMode.SLL);
        return build(parser.graphFile());
    }

    private void checkNesting(CommonTokenStream tokens) {
        int depth = 0;
        for (Token t : tokens.getTokens()) {
            if ("[".equals(t.getText()) || "{".equals(t.getText())) {
                if (++depth > MAX_NESTING) {
                    throw error(t, "nesting deeper than " + MAX_NESTING + " levels");
                }
            } else if ("]".equals(t.getText()) || "}".equals(t.getText())) {
                depth--;
            }
        }
    }

    private final class ThrowingListener extends BaseErrorListener {
        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offending, int line, int column, String msg,
                                RecognitionException e) {
            String message = msg.replace("<EOF>", "end of file");
            if (offending instanceof Token t && t.getType() == JitflowGraphLexer.ERROR_CHAR) {
                message = "unexpected character '" + t.getText() + "'";
            }
            throw new GraphParseException(new SourceLocation(source, line, column + 1), "syntax error: " + message);
        }
    }

    // ---- building ----

    private Graph build(JitflowGraphParser.GraphFileContext file) {
        JitflowGraphParser.HeaderContext header = file.header();
        int format = parseIntToken(header.format);
        opset = parseIntToken(header.opset);
        if (format != Graph.FORMAT_VERSION) {
            throw error(header.format, "unsupported format version " + format + " (this build reads version "
                    + Graph.FORMAT_VERSION + ")");
        }
        if (opset < 1 || opset > Graph.OPSET_VERSION) {
            throw error(header.opset, "unsupported opset version " + opset + " (this build implements opsets 1 to "
                    + Graph.OPSET_VERSION + ")");
        }
        List<Variable> variables = new ArrayList<>();
        Map<String, TensorType> variableTypes = new HashMap<>();
        for (JitflowGraphParser.VariableDeclContext v : file.variableDecl()) {
            String name = v.GLOBAL_ID().getText().substring(1);
            TensorType type = tensorType(v.tensorType());
            if (!type.shape().isStatic()) {
                throw error(v.tensorType().start, "variable @" + name + " must have a static shape, got " + type);
            }
            if (variableTypes.put(name, type) != null) {
                throw error(v.GLOBAL_ID().getSymbol(), "variable @" + name + " is declared twice");
            }
            variables.add(new Variable(name, type, tensorLiteral(v.tensorLiteral(), type), v.trainable != null));
        }
        List<Function> functions = new ArrayList<>();
        Set<String> functionNames = new HashSet<>();
        for (FunctionDeclContext f : file.functionDecl()) {
            String name = f.GLOBAL_ID().getText().substring(1);
            if (!functionNames.add(name)) {
                throw error(f.GLOBAL_ID().getSymbol(), "function @" + name + " is declared twice");
            }
            Function function = function(f.functionBody(), name, "function @" + name);
            Verifier.verify(function, variableTypes::get);
            functions.add(function);
        }
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        for (JitflowGraphParser.MetadataDeclContext m : file.metadataDecl()) {
            if (metadata.put(unquote(m.key.getText()), unquote(m.value.getText())) != null) {
                throw error(m.key, "metadata " + m.key.getText() + " is given twice");
            }
        }
        return new Graph(format, opset, metadata, variables, functions);
    }

    /** A function or region: its own scope of values; {@code what} names it in messages. */
    private Function function(JitflowGraphParser.FunctionBodyContext f, String name, String what) {
        Map<String, Value> scope = new HashMap<>();
        List<Value> inputs = new ArrayList<>();
        for (JitflowGraphParser.ParameterContext p : f.parameter()) {
            Value v = new Value(p.LOCAL_ID().getText().substring(1), tensorType(p.tensorType()));
            define(scope, v, p.LOCAL_ID().getSymbol());
            inputs.add(v);
        }
        List<Node> nodes = new ArrayList<>();
        for (StatementContext s : f.statement()) {
            nodes.add(statement(s, scope));
        }
        List<JitflowGraphParser.ResultContext> declared = f.result();
        List<TerminalNode> returned = f.returnStatement().LOCAL_ID();
        if (declared.size() != returned.size()) {
            throw error(f.returnStatement().start, what + " declares " + declared.size()
                    + " result(s) but returns " + returned.size());
        }
        List<Function.Output> outputs = new ArrayList<>();
        Set<String> outputNames = new HashSet<>();
        for (int i = 0; i < declared.size(); i++) {
            String outName = declared.get(i).ident().getText();
            if (!outputNames.add(outName)) {
                throw error(declared.get(i).start, "result '" + outName + "' is declared twice");
            }
            Value v = lookup(scope, returned.get(i).getSymbol());
            TensorType type = tensorType(declared.get(i).tensorType());
            if (!type.equals(v.type())) {
                throw error(returned.get(i).getSymbol(), "result '" + outName + "' is declared " + type + " but "
                        + v + " is " + v.type());
            }
            outputs.add(new Function.Output(outName, v));
        }
        return new Function(name, inputs, nodes, outputs);
    }

    private Node statement(StatementContext s, Map<String, Value> scope) {
        Token opToken = s.op.start;
        Op op = Op.fromMnemonic(s.op.getText());
        if (op == null) {
            throw error(opToken, "unknown op '" + s.op.getText() + "'");
        }
        if (op.opset() > opset) {
            throw error(opToken, op.mnemonic() + " needs opset " + op.opset() + " but the file declares opset " + opset);
        }
        List<Value> operands = new ArrayList<>();
        for (Token t : s.operands) {
            operands.add(lookup(scope, t));
        }
        Attributes attrs = attributes(op, s.attributeDict());
        SourceLocation location = locate(s.start);
        try {
            attrs = NodeFactory.complete(op, attrs);
        } catch (OpTypeException e) {
            throw new GraphParseException(location, e.getMessage());
        }
        if (s.results.size() != s.types.size()) {
            throw error(s.start, op.mnemonic() + ": " + s.results.size() + " result name(s) but " + s.types.size()
                    + " result type(s)");
        }
        List<Value> results = new ArrayList<>();
        for (int i = 0; i < s.results.size(); i++) {
            Value v = new Value(s.results.get(i).getText().substring(1), tensorType(s.types.get(i)));
            results.add(v);
        }
        for (int i = 0; i < results.size(); i++) {
            define(scope, results.get(i), s.results.get(i));
        }
        List<Function> regions = new ArrayList<>();
        if (s.regionList() != null) {
            for (JitflowGraphParser.RegionContext r : s.regionList().region()) {
                String regionName = r.ident().getText();
                regions.add(function(r.functionBody(), regionName, op.mnemonic() + "'s region '" + regionName + "'"));
            }
        }
        return new Node(op, operands, attrs, results, regions, location);
    }

    private void define(Map<String, Value> scope, Value v, Token at) {
        if (scope.putIfAbsent(v.name(), v) != null) {
            throw error(at, "value %" + v.name() + " is defined twice");
        }
    }

    private Value lookup(Map<String, Value> scope, Token t) {
        Value v = scope.get(t.getText().substring(1));
        if (v == null) {
            throw error(t, "use of undefined value " + t.getText());
        }
        return v;
    }

    // ---- attributes ----

    private Attributes attributes(Op op, JitflowGraphParser.AttributeDictContext dict) {
        Attributes.Builder b = Attributes.builder();
        if (dict == null) {
            return b.build();
        }
        Set<String> seen = new HashSet<>();
        for (AttributeContext a : dict.attribute()) {
            String name = a.ident().getText();
            AttrSpec spec = op.definition().attribute(name);
            if (spec == null) {
                List<String> known = op.definition().attributes().stream().map(AttrSpec::name).toList();
                throw error(a.start, op.mnemonic() + ": unknown attribute '" + name + "'"
                        + (known.isEmpty() ? " (it takes none)" : " (expected one of " + String.join(", ", known) + ")"));
            }
            if (!seen.add(name)) {
                throw error(a.start, op.mnemonic() + ": attribute '" + name + "' is given twice");
            }
            b.put(name, attributeValue(op, spec, a.attributeValue()));
        }
        return b.build();
    }

    private Attr attributeValue(Op op, AttrSpec spec, AttributeValueContext v) {
        String expected = op.mnemonic() + ": attribute '" + spec.name() + "' expects ";
        switch (spec.kind()) {
            case INT -> {
                if (v instanceof JitflowGraphParser.NumberValueContext n && n.number().INT() != null) {
                    return new Attr.IntAttr(parseLong(n.number().INT().getSymbol()));
                }
                throw error(v.start, expected + "an integer, got '" + v.getText() + "'");
            }
            case FLOAT -> {
                if (v instanceof JitflowGraphParser.NumberValueContext n) {
                    return new Attr.FloatAttr(parseDoubleNumber(n.number()));
                }
                throw error(v.start, expected + "a number, got '" + v.getText() + "'");
            }
            case BOOL -> {
                if (v instanceof JitflowGraphParser.TrueValueContext) {
                    return new Attr.BoolAttr(true);
                }
                if (v instanceof JitflowGraphParser.FalseValueContext) {
                    return new Attr.BoolAttr(false);
                }
                throw error(v.start, expected + "true or false, got '" + v.getText() + "'");
            }
            case STRING -> {
                if (v instanceof JitflowGraphParser.StringValueContext s) {
                    return new Attr.StringAttr(unquote(s.STRING().getText()));
                }
                throw error(v.start, expected + "a string, got '" + v.getText() + "'");
            }
            case DTYPE -> {
                DType dt = v instanceof JitflowGraphParser.IdentValueContext ? DType.fromText(v.getText()) : null;
                if (dt == null) {
                    throw error(v.start, expected + "a dtype (bool, uint8, int32, int64, float16, float32, float64), got '"
                            + v.getText() + "'");
                }
                return new Attr.DTypeAttr(dt);
            }
            case INTS -> {
                if (v instanceof JitflowGraphParser.ListValueContext list) {
                    List<Long> values = new ArrayList<>();
                    for (AttributeValueContext item : list.attributeValue()) {
                        if (!(item instanceof JitflowGraphParser.NumberValueContext n) || n.number().INT() == null) {
                            throw error(item.start, expected + "a list of integers, got '" + item.getText() + "' in it");
                        }
                        values.add(parseLong(n.number().INT().getSymbol()));
                    }
                    return new Attr.IntsAttr(values);
                }
                throw error(v.start, expected + "a list of integers, got '" + v.getText() + "'");
            }
            case SHAPE -> {
                if (v instanceof JitflowGraphParser.ListValueContext list) {
                    return shapePattern(expected, list);
                }
                throw error(v.start, expected + "a shape such as [batch, 784], got '" + v.getText() + "'");
            }
            case TENSOR -> {
                if (v instanceof JitflowGraphParser.TensorValueContext t) {
                    TensorType type = tensorType(t.tensorType());
                    if (!type.shape().isStatic()) {
                        throw error(t.tensorType().start, "a constant must have a static shape, got " + type);
                    }
                    return new Attr.TensorAttr(tensorLiteral(t.tensorLiteral(), type));
                }
                throw error(v.start, expected + "a tensor such as dense<[1.0, 2.0]> : float32[2], got '"
                        + v.getText() + "'");
            }
        }
        throw new IllegalStateException("unhandled attribute kind " + spec.kind());
    }

    private Attr.ShapeAttr shapePattern(String expected, JitflowGraphParser.ListValueContext list) {
        List<Dim> dims = new ArrayList<>();
        List<Integer> inferred = new ArrayList<>();
        for (AttributeValueContext item : list.attributeValue()) {
            if (item instanceof JitflowGraphParser.NumberValueContext n && n.number().INT() != null) {
                long size = parseLong(n.number().INT().getSymbol());
                if (size == -1) {
                    inferred.add(dims.size());
                    dims.add(Dim.of(1));
                    continue;
                }
                if (size < 0 || size > Integer.MAX_VALUE) {
                    throw error(item.start, expected + "dims >= 0 (or -1 where allowed), got " + size);
                }
                dims.add(Dim.of((int) size));
            } else if (item instanceof JitflowGraphParser.IdentValueContext) {
                dims.add(Dim.named(item.getText()));
            } else {
                throw error(item.start, expected + "a shape such as [batch, 784], got '" + item.getText() + "' in it");
            }
        }
        return new Attr.ShapeAttr(dims, inferred);
    }

    // ---- types and literals ----

    private TensorType tensorType(TensorTypeContext t) {
        DType dtype = DType.fromText(t.ident().getText());
        if (dtype == null) {
            throw error(t.ident().start, "unknown dtype '" + t.ident().getText()
                    + "' (expected bool, uint8, int32, int64, float16, float32 or float64)");
        }
        List<Dim> dims = new ArrayList<>();
        for (JitflowGraphParser.DimContext d : t.dim()) {
            if (d.INT() != null) {
                long size = parseLong(d.INT().getSymbol());
                if (size < 0 || size > Integer.MAX_VALUE) {
                    throw error(d.start, "dimension size must be between 0 and " + Integer.MAX_VALUE + ", got " + size);
                }
                dims.add(Dim.of((int) size));
            } else {
                dims.add(Dim.named(d.getText()));
            }
        }
        String problem = Shape.of(dims).unrepresentable();
        if (problem != null) {
            throw error(t.start, problem);
        }
        return new TensorType(dtype, Shape.of(dims));
    }

    /** The most elements a single-value (splat) literal may expand to: 64 MB of float32. */
    static final int MAX_SPLAT_ELEMENTS = 1 << 24;
    /** The most bytes all of a file's text literals together expand to: a short file cannot ask for gigabytes. */
    static final long MAX_LITERAL_BYTES = 256L << 20;
    private long literalBytes;

    private HostTensor tensorLiteral(TensorLiteralContext literal, TensorType type) {
        if (literal instanceof JitflowGraphParser.ExternalLiteralContext ext) {
            return external(ext, type);
        }
        ElementContext root = ((JitflowGraphParser.DenseLiteralContext) literal).element();
        int[] shape = type.shape().sizes();
        int count;
        try {
            count = Shape.checkedElementCount(shape);
        } catch (IllegalArgumentException e) {
            throw error(literal.start, "a constant of type " + type + " has more elements than a Java array can hold");
        }
        // Checked before allocating: a short file must not make us allocate a huge tensor.
        if (root.scalar() != null && count > MAX_SPLAT_ELEMENTS) {
            throw error(literal.start, String.format("a single-value constant of type %s would have %,d elements; "
                    + "text literals expand to at most %,d (use fill, or a sidecar)", type, count, MAX_SPLAT_ELEMENTS));
        }
        int tokens = root.stop.getTokenIndex() - root.start.getTokenIndex() + 1;
        if (root.scalar() == null && count > tokens) {
            throw error(literal.start, String.format("dense literal has at most %,d element(s), its type %s needs %,d",
                    tokens, type, count));
        }
        literalBytes += (long) count * type.dtype().byteSize();
        if (literalBytes > MAX_LITERAL_BYTES) {
            throw error(literal.start, String.format("this constant of type %s brings the file's text literals to %,d "
                    + "bytes; they expand to at most %,d together (put large tensors in a sidecar)", type, literalBytes,
                    MAX_LITERAL_BYTES));
        }
        HostTensor.Writer out = HostTensor.writer(type.dtype(), shape);
        if (root.scalar() != null) {
            // A single value fills the whole tensor (a splat).
            for (int i = 0; i < count; i++) {
                scalar(root.scalar(), type.dtype(), out, i);
            }
        } else {
            int[] next = {0};
            elements(root, shape, 0, type.dtype(), out, next);
        }
        return out.build();
    }

    private void elements(ElementContext e, int[] shape, int axis, DType dtype, HostTensor.Writer out, int[] next) {
        if (axis == shape.length) {
            if (e.scalar() == null) {
                throw error(e.start, "dense literal nests deeper than its type's rank " + shape.length);
            }
            scalar(e.scalar(), dtype, out, next[0]++);
            return;
        }
        if (e.scalar() != null) {
            throw error(e.start, "dense literal has a scalar where dim " + axis + " (size " + shape[axis]
                    + ") expects a list");
        }
        List<ElementContext> items = e.element();
        if (items.size() != shape[axis]) {
            throw error(e.start, "dense literal has " + items.size() + " element(s) along dim " + axis
                    + ", the type says " + shape[axis]);
        }
        for (ElementContext item : items) {
            elements(item, shape, axis + 1, dtype, out, next);
        }
    }

    private void scalar(JitflowGraphParser.ScalarContext s, DType dtype, HostTensor.Writer out, int i) {
        Token t = s.start;
        String text = s.getText();
        switch (dtype.kind()) {
            case BOOL -> {
                if (!text.equals("true") && !text.equals("false")) {
                    throw error(t, "expected true or false for a bool element, got '" + text + "'");
                }
                out.setBool(i, text.equals("true"));
            }
            case INTEGER -> {
                if (s.number() == null || s.number().INT() == null) {
                    throw error(t, "expected an integer element for " + dtype + ", got '" + text + "'");
                }
                long value = parseLong(t);
                long min = dtype == DType.UINT8 ? 0 : dtype == DType.INT32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
                long max = dtype == DType.UINT8 ? 255 : dtype == DType.INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
                if (value < min || value > max) {
                    throw error(t, "value " + value + " is out of range for " + dtype + " [" + min + ", " + max + "]");
                }
                out.setLong(i, value);
            }
            case FLOAT -> {
                if (s.number() == null) {
                    throw error(t, "expected a number for a " + dtype + " element, got '" + text + "'");
                }
                if (s.number().HEX() != null) {
                    Long bits = ElementFormat.parseHexBits(text, dtype);
                    if (bits == null) {
                        throw error(t, "hex literal " + text + " has more bits than " + dtype);
                    }
                    out.setBits(i, bits);
                } else if (dtype == DType.FLOAT32) {
                    out.setDouble(i, parseFloatNumber(s.number()));
                } else {
                    out.setDouble(i, parseDoubleNumber(s.number()));
                }
            }
        }
    }

    private HostTensor external(JitflowGraphParser.ExternalLiteralContext ext, TensorType type) {
        Map<String, Long> fields = new HashMap<>();
        for (int k = 0; k < ext.fields.size(); k++) {
            String field = ext.fields.get(k).getText();
            Token valueToken = ext.values.get(k).start;
            if (!List.of("offset", "length", "crc32").contains(field)) {
                throw error(ext.fields.get(k).start, "unknown external field '" + field + "' (expected offset, length, crc32)");
            }
            long value = valueToken.getType() == JitflowGraphLexer.HEX ? parseHex(valueToken) : parseLong(valueToken);
            if (fields.put(field, value) != null) {
                throw error(ext.fields.get(k).start, "external field '" + field + "' is given twice");
            }
        }
        for (String field : List.of("offset", "length", "crc32")) {
            if (!fields.containsKey(field)) {
                throw error(ext.start, "external data needs '" + field + "'");
            }
        }
        try {
            return sidecars.read(unquote(ext.STRING().getText()), fields.get("offset"), fields.get("length"),
                    fields.get("crc32"), type);
        } catch (SidecarException e) {
            throw error(ext.start, e.getMessage());
        }
    }

    // ---- tokens ----

    private long parseLong(Token t) {
        try {
            return Long.parseLong(t.getText());
        } catch (NumberFormatException e) {
            throw error(t, "integer " + t.getText() + " does not fit in 64 bits");
        }
    }

    private long parseHex(Token t) {
        Long value = ElementFormat.parseHexBits(t.getText(), DType.INT64);
        if (value == null) {
            throw error(t, "hex literal " + t.getText() + " does not fit in 64 bits");
        }
        return value;
    }

    private int parseIntToken(Token t) {
        long v = parseLong(t);
        return v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? -1 : (int) v;
    }

    private double parseDoubleNumber(JitflowGraphParser.NumberContext n) {
        String text = n.getText();
        return switch (text) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> n.HEX() != null ? Double.longBitsToDouble(Long.parseUnsignedLong(text.substring(2), 16))
                    : Double.parseDouble(text);
        };
    }

    /** Float32 elements are read with float's own decimal rounding, not through double. */
    private float parseFloatNumber(JitflowGraphParser.NumberContext n) {
        String text = n.getText();
        return switch (text) {
            case "inf" -> Float.POSITIVE_INFINITY;
            case "-inf" -> Float.NEGATIVE_INFINITY;
            case "nan" -> Float.NaN;
            default -> Float.parseFloat(text);
        };
    }

    private static String unquote(String quoted) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\') {
                char e = quoted.charAt(++i);
                sb.append(switch (e) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    default -> e;
                });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private SourceLocation locate(Token t) {
        return new SourceLocation(source, t.getLine(), t.getCharPositionInLine() + 1);
    }

    private GraphParseException error(Token t, String message) {
        return new GraphParseException(locate(t), message);
    }
}
