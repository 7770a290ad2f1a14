package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.Shape;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** runEagerly: the same training op by op, with concrete values inside layers, within rounding of the compiled run. */
class EagerModeTest {
    private static final Tensor X = Jf.constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f}});
    private static final Tensor Y = Jf.constant(new int[] {1, 0, 1, 0, 1, 1});

    /** The identity, recording the first value of every batch it sees (which needs concrete values). */
    static final class Peek extends Layer {
        final List<Float> seen = new ArrayList<>();

        Peek() {
            super("peek");
        }

        @Override
        protected Shape create(Shape input) {
            return input;
        }

        @Override
        public Tensor call(Tensor x, CallContext context) {
            seen.add(x.toFloatArray()[0]);
            return x;
        }
    }

    /** The same model each time: {@code extra} is made after the seed is set, so its weights are the same too. */
    private static Sequential model(java.util.function.Supplier<Layer> extra) {
        Jf.setRandomSeed(17);
        Sequential m = new Sequential(new Input(2), new Dense(8, "relu"), new Dropout(0.3), extra.get(),
                new Dense(2, "softmax"));
        m.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        return m;
    }

    @Test
    void eagerTrainingMatchesCompiledTraining() {
        Sequential compiled = model(() -> new Dense(8, "tanh"));
        History a = compiled.fit(X, Y, FitOptions.epochs(4).batchSize(4).verbose(0));
        Sequential eager = model(() -> new Dense(8, "tanh")).runEagerly(true);
        History b = eager.fit(X, Y, FitOptions.epochs(4).batchSize(4).verbose(0));
        for (int e = 0; e < 4; e++) {
            assertEquals(a.get("loss").get(e), b.get("loss").get(e), 1e-5, "epoch " + e);
            assertEquals(a.get("accuracy").get(e), b.get("accuracy").get(e), 1e-9, "epoch " + e);
        }
        for (int i = 0; i < compiled.getWeights().size(); i++) {
            assertArrayEquals(compiled.getWeights().get(i).toFloatArray(), eager.getWeights().get(i).toFloatArray(), 1e-5f);
        }
        assertArrayEquals(compiled.predict(X).toFloatArray(), eager.predict(X).toFloatArray(), 1e-5f);
        assertEquals(compiled.evaluate(X, Y).get("loss"), eager.evaluate(X, Y).get("loss"), 1e-5);
    }

    @Test
    void layersSeeConcreteValuesOnlyWhenEager() {
        Peek peek = new Peek();
        Sequential eager = model(() -> peek).runEagerly(true);
        eager.fit(X, Y, FitOptions.epochs(1).batchSize(3).shuffle(false).verbose(0));
        assertEquals(2, peek.seen.size(), "one call per batch");
        Sequential compiled = model(Peek::new);
        IllegalStateException symbolic = assertThrows(IllegalStateException.class,
                () -> compiled.fit(X, Y, FitOptions.epochs(1).verbose(0)));
        assertEquals(true, symbolic.getMessage().contains("is symbolic"), symbolic.getMessage());
    }
}
