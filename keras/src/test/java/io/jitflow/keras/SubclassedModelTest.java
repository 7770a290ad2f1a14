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
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose call is Java code: its layers are found by running it once, then it trains and saves as any model. */
class SubclassedModelTest {
    @TempDir
    Path dir;

    private static final Tensor X = Jf.constant(new float[][] {{0, 1, 2}, {1, 0, -1}, {1, 1, 0}, {2, 1, 3}, {-1, 2, 0},
            {0.5f, 0.5f, 1}});
    private static final Tensor Y = Jf.constant(new int[] {1, 0, 1, 0, 1, 1});

    /** A gated block: hidden = relu(W1 x), out = softmax(W2 (hidden * sigmoid(Wg x))), with dropout in training. */
    static final class Gated extends Model {
        final Dense hidden = new Dense(8, "relu");
        final Dense gate = new Dense(8, "sigmoid");
        final Dropout dropout = new Dropout(0.25);
        final Dense out = new Dense(2, "softmax");

        Gated() {
            super(3);
        }

        @Override
        protected Tensor call(Tensor x, CallContext context) {
            Tensor h = hidden.apply(x, context).mul(gate.apply(x, context));
            return out.apply(dropout.apply(h, context), context);
        }
    }

    @Test
    void aSubclassedModelTrainsEvaluatesAndSaves() throws Exception {
        Jf.setRandomSeed(10);
        Gated model = new Gated();
        String summary = model.summary(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertTrue(summary.contains("Total params: 82"), "3x8+8 twice, 8x2+2: " + summary);
        assertEquals(4, model.layers().size(), "the layers its call applied");
        CallContext c = CallContext.INFERENCE;
        Tensor expected = model.out.call(model.hidden.call(X, c).mul(model.gate.call(X, c)), c);
        assertArrayEquals(expected.toFloatArray(), model.predict(X).toFloatArray(), 1e-6f);
        model.compile(new Optimizer.Adam(0.05), "sparse_categorical_crossentropy", "accuracy");
        double before = model.evaluate(X, Y).get("loss");
        model.fit(X, Y, FitOptions.epochs(40).batchSize(6).verbose(0));
        double after = model.evaluate(X, Y).get("loss");
        assertTrue(after < before / 2, "it trains (the evaluated loss, without dropout's noise): " + before + " -> " + after);
        Path file = dir.resolve("gated.jfg");
        model.save(file);
        assertArrayEquals(model.predict(X).toFloatArray(), SavedModel.load(file).predict(X).toFloatArray(), 0f);
        IllegalStateException add = assertThrows(IllegalStateException.class, () -> model.addLayer(new Dense(1)));
        assertTrue(add.getMessage().contains("applies its layers in its call method"), add.getMessage());
    }

    @Test
    void aCallThatAppliesNoLayerIsAnError() {
        Model empty = new Model(2) {
            @Override
            protected Tensor call(Tensor x, CallContext context) {
                return x.mul(2f);
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> empty.predict(Jf.ones(
                io.jitflow.ir.DType.FLOAT32, 1, 2)));
        assertTrue(e.getMessage().contains("its call applied no layer"), e.getMessage());
    }
}
