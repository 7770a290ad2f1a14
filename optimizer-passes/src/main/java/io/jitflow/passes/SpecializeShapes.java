package io.jitflow.passes;

import io.jitflow.ir.Attr;
import io.jitflow.ir.Attributes;
import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.NodeFactory;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shape specialization: once the sizes of some symbolic dims are known (a batch size, say), every
 * type and shape attribute that names them gets the size instead, and every node's type is
 * inferred again, so that the passes after it and the code generators see static shapes (loops with
 * constant bounds, foldable sizes). Other symbolic dims stay symbolic.
 */
public final class SpecializeShapes implements Pass {
    private final Map<String, Integer> sizes;

    public SpecializeShapes(Map<String, Integer> sizes) {
        sizes.forEach((name, size) -> {
            if (size < 0) {
                throw new IllegalArgumentException("dim " + name + " cannot have size " + size);
            }
        });
        this.sizes = Map.copyOf(sizes);
    }

    @Override
    public String name() {
        return "specialize-shapes";
    }

    @Override
    public Function run(Function f, InferenceContext context) {
        Map<Value, Value> values = new HashMap<>();
        List<Value> inputs = new ArrayList<>();
        for (Value in : f.inputs()) {
            Value bound = new Value(in.name(), bind(in.type()));
            values.put(in, bound);
            inputs.add(bound);
        }
        List<Node> nodes = new ArrayList<>();
        for (Node n : f.nodes()) {
            List<Value> operands = n.inputs().stream().map(values::get).toList();
            Attributes attrs = bind(n.attributes());
            List<TensorType> types = NodeFactory.infer(n.op(), operands.stream().map(Value::type).toList(), attrs,
                    n.regions(), context);
            List<Value> outputs = new ArrayList<>();
            for (int i = 0; i < n.outputs().size(); i++) {
                Value bound = new Value(n.outputs().get(i).name(), types.get(i));
                values.put(n.outputs().get(i), bound);
                outputs.add(bound);
            }
            nodes.add(new Node(n.op(), operands, attrs, outputs, n.regions(), n.location()));
        }
        List<Function.Output> outputs = f.outputs().stream()
                .map(o -> new Function.Output(o.name(), values.get(o.value()))).toList();
        Function specialized = new Function(f.name(), inputs, nodes, outputs);
        return specialized.equals(f) ? f : specialized;
    }

    private TensorType bind(TensorType type) {
        return new TensorType(type.dtype(), type.shape().bind(sizes));
    }

    private Attributes bind(Attributes attrs) {
        Map<String, Attr> bound = new LinkedHashMap<>();
        attrs.asMap().forEach((name, value) -> bound.put(name, value instanceof Attr.ShapeAttr s
                ? new Attr.ShapeAttr(Shape.of(s.dims()).bind(sizes).dims(), s.inferredAxes()) : value));
        return Attributes.of(bound);
    }

    /** Parses {@code name=size,name=size} (the command line's {@code --bind}). */
    public static Map<String, Integer> parse(String text) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (String binding : text.split(",")) {
            String[] parts = binding.split("=", 2);
            if (parts.length != 2 || !parts[0].trim().matches("[A-Za-z_][A-Za-z0-9_]*") || !parts[1].trim().matches("\\d{1,9}")) {
                throw new IllegalArgumentException("bad dim binding '" + binding + "' (expected NAME=SIZE, e.g. batch=32)");
            }
            sizes.put(parts[0].trim(), Integer.parseInt(parts[1].trim()));
        }
        return sizes;
    }
}
