package io.jitflow.keras.layers;

import io.jitflow.GraphCall;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.Shape;
import io.jitflow.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layer that computes a function of a graph made elsewhere: an ONNX model read with
 * {@code Onnx.read}, or a graph file. The graph's variables become the layer's weights with their
 * values and trainable flags, so {@code fit} fine-tunes the trainable ones (Keras's wrapper of an
 * imported model, as {@code TFSMLayer}). The function takes one float32 input whose first dim is
 * the batch and gives one output.
 *
 * <pre>{@code
 * Graph g = Onnx.read(Path.of("mlp.onnx"), name -> name.startsWith("dense_1"));
 * Sequential model = new Sequential(new Input(784), new GraphLayer(g));
 * }</pre>
 */
public final class GraphLayer extends Layer {
    private final Function function;
    private final List<io.jitflow.ir.Variable> graphVariables;
    private final Map<String, Variable> bound = new LinkedHashMap<>();

    /** The graph's only function. */
    public GraphLayer(Graph graph) {
        this(graph, onlyFunction(graph));
    }

    public GraphLayer(Graph graph, String functionName) {
        super("graph");
        this.function = graph.function(functionName).orElseThrow(() -> new IllegalArgumentException(
                "GraphLayer: the graph has no function @" + functionName + " (functions: "
                        + graph.functions().stream().map(Function::name).toList() + ")"));
        if (function.inputs().size() != 1 || function.outputs().size() != 1) {
            throw new IllegalArgumentException("GraphLayer: @" + functionName + " takes " + function.inputs().size()
                    + " input(s) and gives " + function.outputs().size() + " output(s); a layer needs one of each");
        }
        TensorType in = function.inputs().get(0).type();
        if (in.dtype() != DType.FLOAT32 || in.rank() == 0) {
            throw new IllegalArgumentException("GraphLayer: @" + functionName + "'s input is " + in
                    + "; a layer takes float32 with a batch dim first");
        }
        this.graphVariables = graph.variables();
    }

    private static String onlyFunction(Graph graph) {
        if (graph.functions().size() != 1) {
            throw new IllegalArgumentException("GraphLayer: the graph has " + graph.functions().size()
                    + " functions; name the one to use");
        }
        return graph.functions().get(0).name();
    }

    @Override
    protected Shape create(Shape input) {
        TensorType declared = function.inputs().get(0).type();
        if (declared.rank() != input.rank()) {
            throw mismatch(input);
        }
        Map<String, Dim> symbols = new HashMap<>();
        for (int d = 0; d < input.rank(); d++) {
            Dim want = declared.shape().dim(d);
            Dim got = input.dim(d);
            if (want.isStatic() ? !got.equals(want) : !symbols.computeIfAbsent(want.toString(), k -> got).equals(got)) {
                throw mismatch(input);
            }
        }
        bound.clear();
        for (io.jitflow.ir.Variable v : graphVariables) {
            bound.put(v.name(), addWeight(v.name(), Tensor.of(v.initialValue()), v.trainable()));
        }
        List<Dim> out = new ArrayList<>();
        for (Dim d : function.outputs().get(0).value().type().shape().dims()) {
            Dim mapped = d.isStatic() ? d : symbols.get(d.toString());
            if (mapped == null) {
                throw new IllegalArgumentException("GraphLayer " + name() + ": output dim " + d
                        + " of @" + function.name() + " is not decided by its input");
            }
            out.add(mapped);
        }
        return Shape.of(out);
    }

    private IllegalArgumentException mismatch(Shape input) {
        return new IllegalArgumentException("GraphLayer " + name() + ": @" + function.name() + " takes "
                + function.inputs().get(0).type() + ", called on " + describe(input));
    }

    @Override
    public Tensor call(Tensor x, CallContext context) {
        return GraphCall.apply(function, bound, List.of(x)).get(0);
    }
}
