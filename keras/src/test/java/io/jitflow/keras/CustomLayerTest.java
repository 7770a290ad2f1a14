package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.Dim;
import io.jitflow.ir.Shape;
import io.jitflow.keras.layers.CallContext;
import io.jitflow.keras.layers.Input;
import io.jitflow.keras.layers.Layer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Layer extension points, as a user writes a layer: {@code create} makes the weights for the
 * input shape and gives the output shape, {@code call} computes (eagerly or traced), weights are
 * trainable or not, and {@code context.training()} tells fit from predict; {@code addConfig} and
 * {@code Layers.register} let a model holding it load with its layers.
 */
class CustomLayerTest {
    @TempDir
    Path dir;

    /** y = x * scale + offset per feature; while training it also counts the batches it saw (a non-trainable weight). */
    static final class ScaleShift extends Layer {
        Variable scale;
        Variable offset;
        Variable batches;

        ScaleShift() {
            super("scale_shift");
        }

        @Override
        protected Shape create(Shape input) {
            int features = input.dim(input.rank() - 1).size();
            scale = addWeight("scale", new int[] {features}, Initializer.ONES, 0);
            offset = addWeight("offset", new int[] {features}, Initializer.ZEROS, 0);
            batches = addWeight("batches", Jf.constant(0f), false);
            return Shape.of(List.of(input.dim(0), Dim.of(features)));
        }

        @Override
        public Tensor call(Tensor x, CallContext context) {
            if (context.training()) {
                batches.assignAdd(Jf.constant(1f));
            }
            return x.mul(scale).add(offset);
        }
    }

    @Test
    void aUserLayerTrainsSummarizesAndSaves() throws Exception {
        ScaleShift layer = new ScaleShift();
        Sequential model = new Sequential(new Input(2), layer);
        String summary = model.summary(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertTrue(summary.contains("Total params: 5\nTrainable params: 4\nNon-trainable params: 1"), summary);
        Tensor x = Jf.constant(new float[][] {{1, 2}, {3, -1}, {0, 1}, {-2, 2}});
        Tensor y = x.mul(Jf.constant(new float[] {3, -1})).add(Jf.constant(new float[] {1, 0.5f}));
        model.compile(new Optimizer.Sgd(0.05), "mse");
        model.fit(x, y, FitOptions.epochs(300).batchSize(4).verbose(0));
        assertArrayEquals(new float[] {3, -1}, layer.scale.asTensor().toFloatArray(), 1e-2f);
        assertArrayEquals(new float[] {1, 0.5f}, layer.offset.asTensor().toFloatArray(), 1e-2f);
        assertEquals(300f, layer.batches.asTensor().floatValue(), "one training call per batch");
        model.predict(x);
        assertEquals(300f, layer.batches.asTensor().floatValue(), "predict is not training");
        Path file = dir.resolve("custom.jfg");
        model.save(file);
        assertArrayEquals(model.predict(x).toFloatArray(), SavedModel.load(file).predict(x).toFloatArray(), 0f);
    }

    /** y = x * factor, the factor an argument: addConfig saves it, a registered factory makes the layer again. */
    static final class Times extends Layer {
        final double factor;

        Times(double factor) {
            super("times");
            this.factor = factor;
        }

        @Override
        protected Shape create(Shape input) {
            return input;
        }

        @Override
        public Tensor call(Tensor x, CallContext context) {
            return x.mul(factor);
        }

        @Override
        protected void addConfig(java.util.Map<String, Object> config) {
            config.put("factor", factor);
        }
    }

    @Test
    void aUserLayerWithAConfigLoadsWithItsModel() throws Exception {
        Sequential model = new Sequential(new Input(2), new Times(2.5), new io.jitflow.keras.layers.Dense(1));
        Path file = dir.resolve("times.jfg");
        model.save(file);
        IllegalArgumentException unregistered = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> Model.load(file));
        assertTrue(unregistered.getMessage().contains("no layer class 'Times' is known"), unregistered.getMessage());
        io.jitflow.keras.layers.Layers.register("Times", c -> new Times(c.number("factor")));
        Model loaded = Model.load(file);
        assertEquals(2.5, ((Times) loaded.layer(0)).factor);
        Tensor x = Jf.constant(new float[][] {{1, 2}, {3, -1}});
        assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray(), 0f);
    }
}
