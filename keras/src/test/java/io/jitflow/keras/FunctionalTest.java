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
        assertTrue(two.getMessage().contains("which is not one of the model's 1 inputs"), two.getMessage());
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

    private static final Tensor EXTRA = Jf.constant(new float[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {0, 1, 1},
            {1, 0, 1}});
    private static final Tensor KIND = Jf.constant(new int[] {0, 1, 2, 1, 0, 2});

    /** Two named inputs, two outputs with a loss each: predictions as by hand, losses summed, logs per output. */
    @Test
    void severalInputsAndOutputs() throws Exception {
        Jf.setRandomSeed(8);
        KerasTensor numbers = KerasTensor.input("numbers", 4);
        KerasTensor extra = KerasTensor.input("extra", 3);
        Dense embed = new Dense(4);
        Dense hidden = new Dense(8, "relu");
        Dense score = (Dense) new Dense(1, "sigmoid").named("score");
        Dense kind = (Dense) new Dense(3, "softmax").named("kind");
        KerasTensor h = hidden.apply(Merge.concatenate(-1).apply(numbers, embed.apply(extra)));
        Model model = Functional.model(List.of(numbers, extra), List.of(score.apply(h), kind.apply(h)));
        assertEquals(List.of("numbers", "extra"), model.inputNames());
        assertEquals(List.of("score", "kind"), model.outputNames());

        CallContext c = CallContext.INFERENCE;
        Tensor byHand = hidden.call(Jf.concat(List.of(X, embed.call(EXTRA, c)), 1), c);
        List<Tensor> predicted = model.predict(List.of(X, EXTRA));
        assertArrayEquals(score.call(byHand, c).toFloatArray(), predicted.get(0).toFloatArray(), 1e-6f);
        assertArrayEquals(kind.call(byHand, c).toFloatArray(), predicted.get(1).toFloatArray(), 1e-6f);

        model.compile("adam", java.util.Map.of("score", "binary_crossentropy", "kind", "sparse_categorical_crossentropy"),
                "accuracy");
        java.util.Map<String, Double> before = model.evaluate(List.of(X, EXTRA), List.of(Y, KIND), 6);
        assertEquals(List.of("loss", "score_loss", "kind_loss", "score_accuracy", "kind_accuracy"),
                List.copyOf(before.keySet()));
        double scoreLoss = Loss.of("binary_crossentropy").compute(Y, predicted.get(0)).doubleValue();
        double kindLoss = Loss.of("sparse_categorical_crossentropy").compute(KIND, predicted.get(1)).doubleValue();
        assertEquals(scoreLoss, before.get("score_loss"), 1e-5);
        assertEquals(kindLoss, before.get("kind_loss"), 1e-5);
        assertEquals(scoreLoss + kindLoss, before.get("loss"), 1e-5, "the model's loss is the outputs' sum");

        History h1 = model.fit(List.of(X, EXTRA), List.of(Y, KIND), FitOptions.epochs(40).batchSize(3).verbose(0)
                .validationData(List.of(X, EXTRA), List.of(Y, KIND)));
        assertTrue(h1.get("kind_loss").get(39) < h1.get("kind_loss").get(0), "it trains: " + h1.get("kind_loss"));
        assertTrue(h1.get("val_score_loss").get(39) < h1.get("val_score_loss").get(0), "" + h1.get("val_score_loss"));
        assertEquals(40, h1.get("val_kind_accuracy").size());

        Path file = dir.resolve("two_by_two.jfg");
        model.save(file);
        List<Tensor> saved = SavedModel.load(file).predict(List.of(X, EXTRA));
        List<Tensor> now = model.predict(List.of(X, EXTRA));
        assertArrayEquals(now.get(0).toFloatArray(), saved.get(0).toFloatArray(), 0f);
        assertArrayEquals(now.get(1).toFloatArray(), saved.get(1).toFloatArray(), 0f);

        String summary = model.summary(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertTrue(summary.contains(" numbers (InputLayer)          (None, 4)           0         -"), summary);
        assertTrue(summary.contains(" extra (InputLayer)            (None, 3)           0         -"), summary);
        assertTrue(summary.contains("0         numbers, " + embed.name() + "[0]"), summary);
    }

    @Test
    void severalInputsAndOutputsRefuseWrongArguments() {
        KerasTensor a = KerasTensor.input("a", 4);
        KerasTensor b = KerasTensor.input("b", 3);
        KerasTensor h = Merge.concatenate(-1).apply(a, b);
        Model model = Functional.model(List.of(a, b), List.of(((Dense) new Dense(1).named("left")).apply(h),
                ((Dense) new Dense(3, "softmax").named("right")).apply(h)));
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> model.predict(X));
        assertTrue(one.getMessage().contains("takes 2 inputs [a, b], got 1"), one.getMessage());
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> model.predict(List.of(X, X)));
        assertTrue(shape.getMessage().contains("input b must have shape (None, 3), got (None, 4)"), shape.getMessage());
        IllegalArgumentException losses = assertThrows(IllegalArgumentException.class,
                () -> model.compile("sgd", List.of("mse")));
        assertTrue(losses.getMessage().contains("1 losses for 2 outputs [left, right]"), losses.getMessage());
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class,
                () -> model.compile("sgd", java.util.Map.of("left", "mse", "middle", "mse")));
        assertTrue(names.getMessage().contains("the model's outputs are [left, right]"), names.getMessage());
        model.compile("sgd", List.of("mse", "sparse_categorical_crossentropy"));
        Tensor badKind = Jf.constant(new int[] {0, 1, 2, 3, 0, 1});
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> model.fit(List.of(X, EXTRA), List.of(Y, badKind), FitOptions.epochs(1).verbose(0)));
        assertTrue(range.getMessage().contains("label 3 in row 3 of output right is out of range for 3 classes"),
                range.getMessage());
        IllegalArgumentException unused = assertThrows(IllegalArgumentException.class,
                () -> Functional.model(List.of(a, b, KerasTensor.input(2)), List.of(h)));
        assertTrue(unused.getMessage().contains("is not used by any output"), unused.getMessage());
    }
}
