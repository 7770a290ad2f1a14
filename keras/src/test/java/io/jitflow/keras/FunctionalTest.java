package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.KerasTensor;
import io.jitflow.keras.layers.Merge;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The functional API: branches, a shared layer, merges, checked against the same layers called by hand. */
class FunctionalTest {
    @TempDir
    Path dir;

    private static final Tensor X = Jf.constant(new float[][] {{0, 1, 2, 1}, {1, 0, -1, 2}, {1, 1, 0, 0}, {2, 1, 3, -1},
            {-1, 2, 0, 1}, {0.5f, 0.5f, 1, 1}});
    private static final Tensor Y = Jf.constant(new float[][] {{1}, {0}, {1}, {0}, {1}, {1}});

    @Test
    void branchesSharedLayersAndMergesComputeWhatTheLayersDo() throws Exception {
        Jf.setRandomSeed(5);
        Dense shared = new Dense(4, "tanh");
        Dense left = new Dense(3, "relu");
        Dense right = new Dense(3);
        Dense head = new Dense(1, "sigmoid");
        KerasTensor in = KerasTensor.input(4);
        KerasTensor once = shared.apply(in);
        KerasTensor twice = shared.apply(once);
        KerasTensor residual = Merge.add().apply(once, twice);
        KerasTensor joined = Merge.concatenate(-1).apply(left.apply(residual), right.apply(residual));
        KerasTensor out = head.apply(joined);
        assertEquals("(None, 6)", io.jitflow.keras.layers.Layer.describe(joined.shape()));
        Model model = Functional.model(in, out);

        CallContext c = CallContext.INFERENCE;
        Tensor a = shared.call(X, c);
        Tensor r = a.add(shared.call(a, c));
        Tensor expected = head.call(Jf.concat(java.util.List.of(left.call(r, c), right.call(r, c)), 1), c);
        assertArrayEquals(expected.toFloatArray(), model.predict(X).toFloatArray(), 1e-6f);
        assertEquals(4 * 4 + 4 + 2 * (4 * 3 + 3) + 6 + 1, (int) model.layers().get(0).countParams(),
                "the shared layer's weights count once");

        model.compile("adam", "binary_crossentropy", "accuracy");
        History h = model.fit(X, Y, FitOptions.epochs(30).batchSize(6).verbose(0));
        assertTrue(h.get("loss").get(29) < h.get("loss").get(0), "it trains: " + h.get("loss"));
        Path file = dir.resolve("functional.jfg");
        model.save(file);
        assertArrayEquals(model.predict(X).toFloatArray(), SavedModel.load(file).predict(X).toFloatArray(), 0f);
    }

    @Test
    void dropoutInsideAGraphGetsItsNoise() {
        Jf.setRandomSeed(6);
        KerasTensor in = KerasTensor.input(4);
        KerasTensor h = new Dropout(0.5).apply(new Dense(8, "relu").apply(in));
        Model model = Functional.model(in, new Dense(1).apply(Merge.average().apply(h, h)));
        model.compile("sgd", "mse");
        History first = model.fit(X, Y, FitOptions.epochs(2).batchSize(3).verbose(0).seed(1));
        assertEquals(2, first.get("loss").size());
        assertArrayEquals(model.predict(X).toFloatArray(), model.predict(X).toFloatArray(), 0f, "no dropout in predict");
    }

    @Test
    void badGraphsAreRefusedByName() {
        KerasTensor a = KerasTensor.input(4);
        KerasTensor b = KerasTensor.input(3);
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> ((Merge) Merge.add().named("sum")).apply(a, new Dense(3).apply(a)));
        assertTrue(shapes.getMessage().startsWith("add needs inputs of one shape") || shapes.getMessage().startsWith(
                "sum needs inputs of one shape"), shapes.getMessage());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> Functional.model(a, Merge.concatenate(-1).apply(new Dense(2).apply(a), new Dense(2).apply(b))));
        assertTrue(two.getMessage().contains("which is not the model's input"), two.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Merge.subtract().apply(a, a, a));
    }

    /** summary has Keras's "Connected to" column, a row per application; plotModel draws the branches and merges. */
    @Test
    void summaryAndPlotShowTheGraph() throws Exception {
        KerasTensor in = KerasTensor.input(4);
        Dense shared = (Dense) new Dense(4, "tanh").named("shared");
        KerasTensor once = shared.apply(in);
        KerasTensor twice = shared.apply(once);
        KerasTensor sum = ((Merge) Merge.add().named("sum")).apply(once, twice);
        Model model = Functional.model(in, ((Dense) new Dense(1).named("head")).apply(sum));
        String summary = model.summary(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertTrue(summary.contains(" input (InputLayer)            (None, 4)           0         -"), summary);
        assertTrue(summary.contains(" shared (Dense)                (None, 4)           20        input"), summary);
        assertTrue(summary.contains(" shared (Dense)                (None, 4)           0         shared[0]"), summary);
        assertTrue(summary.contains(" sum (Merge)                   (None, 4)           0         shared[0], shared[1]"),
                summary);
        assertTrue(summary.contains(" head (Dense)                  (None, 1)           5         sum[0]"), summary);
        assertTrue(summary.contains("Total params: 25"), summary);
        Path dot = dir.resolve("functional.dot");
        model.plotModel(dot);
        String text = java.nio.file.Files.readString(dot);
        for (String edge : List.of("n0 -> n1", "n1 -> n2", "n1 -> n3", "n2 -> n3", "n3 -> n4")) {
            assertTrue(text.contains(edge), edge + " in\n" + text);
        }
    }

    @Test
    void lambdaAndDot() {
        Jf.setRandomSeed(7);
        KerasTensor in = KerasTensor.input(4);
        io.jitflow.keras.layers.Lambda firstTwo = new io.jitflow.keras.layers.Lambda(t -> Jf.square(Jf.slice(t, ":, :2")));
        KerasTensor squares = firstTwo.apply(in);
        assertEquals("(None, 2)", io.jitflow.keras.layers.Layer.describe(squares.shape()), "found by running it once");
        Dense a = new Dense(3);
        Dense b = new Dense(3);
        KerasTensor dot = Merge.dot().apply(a.apply(squares), b.apply(squares));
        assertEquals("(None, 1)", io.jitflow.keras.layers.Layer.describe(dot.shape()));
        Model model = Functional.model(in, dot);
        CallContext c = CallContext.INFERENCE;
        Tensor sq = Jf.square(Jf.slice(X, ":, :2"));
        Tensor expected = Jf.reduceSum(a.call(sq, c).mul(b.call(sq, c)), true, -1);
        assertArrayEquals(expected.toFloatArray(), model.predict(X).toFloatArray(), 1e-6f);
        IllegalArgumentException dropsBatch = assertThrows(IllegalArgumentException.class,
                () -> new io.jitflow.keras.layers.Lambda(Jf::reduceSum).apply(in));
        assertTrue(dropsBatch.getMessage().contains("must keep the batch dim first"), dropsBatch.getMessage());
    }
}
