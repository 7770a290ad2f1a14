package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Graph;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.GraphLayer;
import io.jitflow.keras.layers.Input;
import io.jitflow.text.GraphParser;
import org.junit.jupiter.api.Test;

/** A graph function as a layer: its variables are the layer's weights, and fit trains the trainable ones. */
class GraphLayerTest {
    private static final Graph GRAPH = GraphParser.parse("""
            jitflow 1 opset 1
            variable @scale : float32[2] trainable = dense<[1.0, 1.0]>
            variable @shift : float32[2] = dense<[0.5, -0.5]>

            func @affine(%x : float32[n, 2]) -> (y : float32[n, 2]) {
              %s = read_variable() {name = "scale"} : float32[2]
              %b = read_variable() {name = "shift"} : float32[2]
              %m = mul(%x, %s) : float32[n, 2]
              %y = add(%m, %b) : float32[n, 2]
              return %y
            }

            func @other(%x : float32[n, 3]) -> (y : float32[n, 3]) {
              return %x
            }
            """, "graph-layer-test");

    @Test
    void fitTrainsOnlyTheTrainableGraphVariables() {
        GraphLayer layer = new GraphLayer(GRAPH, "affine");
        Sequential model = new Sequential(new Input(2), layer);
        Tensor x = Jf.constant(new float[][] {{1, 2}, {3, -1}, {0, 4}, {-2, 1}});
        assertArrayEquals(new float[] {1.5f, 1.5f, 3.5f, -1.5f, 0.5f, 3.5f, -1.5f, 0.5f},
                model.predict(x).toFloatArray());
        assertEquals(2, layer.weights().size());
        assertEquals(1, layer.trainableWeights().size());
        assertEquals(layer.name() + "/scale", layer.trainableWeights().get(0).name());
        // Targets 2x + shift: only the scale can move, to 2.
        Tensor y = Jf.add(Jf.mul(x, Jf.constant(2f)), Jf.constant(new float[] {0.5f, -0.5f}));
        model.compile(new Optimizer.Sgd(0.05), "mse");
        model.fit(x, y, FitOptions.epochs(200).batchSize(4).verbose(0));
        assertArrayEquals(new float[] {2, 2}, layer.getWeights().get(0).toFloatArray(), 1e-3f);
        assertArrayEquals(new float[] {0.5f, -0.5f}, layer.getWeights().get(1).toFloatArray(), 0f);
    }

    @Test
    void aGraphThatDoesNotFitIsRefused() {
        IllegalArgumentException several = assertThrows(IllegalArgumentException.class, () -> new GraphLayer(GRAPH));
        assertEquals("GraphLayer: the graph has 2 functions; name the one to use", several.getMessage());
        Sequential wrongWidth = new Sequential(new Input(3), new GraphLayer(GRAPH, "affine").named("g"));
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> wrongWidth.predict(Jf.zeros(io.jitflow.ir.DType.FLOAT32, 1, 3)));
        assertEquals("GraphLayer g: @affine takes float32[n, 2], called on (None, 3)", width.getMessage());
        Sequential stacked = new Sequential(new Input(2), new GraphLayer(GRAPH, "affine"), new Dense(1));
        assertEquals(1, stacked.predict(Jf.zeros(io.jitflow.ir.DType.FLOAT32, 5, 2)).shape()[1]);
    }
}
