package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.callbacks.CsvLogger;
import io.jitflow.keras.callbacks.EarlyStopping;
import io.jitflow.keras.callbacks.LearningRateScheduler;
import io.jitflow.keras.callbacks.ModelCheckpoint;
import io.jitflow.keras.callbacks.ReduceLROnPlateau;
import io.jitflow.keras.callbacks.TerminateOnNaN;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fit's callbacks: the hooks in Keras's order, and each built-in doing what Keras's does. */
class CallbacksTest {
    @TempDir
    Path dir;

    /** y = 2x0 - x1 + 0.5 on 8 examples: a linear model learns it. */
    private static final Tensor X = Jf.constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}, {-1, 2}, {0.5f, 0.5f},
            {3, -1}, {-2, -2}});
    private static final Tensor Y = Jf.add(Jf.matmul(X, Jf.constant(new float[][] {{2}, {-1}})), Jf.constant(0.5f));

    private static Sequential linear(double rate) {
        Jf.setRandomSeed(3);
        Sequential model = new Sequential(new Input(2), new Dense(1));
        model.compile(new Optimizer.Sgd(rate), "mse", "mae");
        return model;
    }

    /** Records every hook call, with the logs' keys at epoch ends. */
    static final class Recorder extends Callback {
        final List<String> calls = new ArrayList<>();
        final List<List<Tensor>> weightsAtEpochEnd = new ArrayList<>();

        @Override
        public void onTrainBegin(Map<String, Double> logs) {
            calls.add("train_begin " + params().get("epochs") + " epochs x " + params().get("steps") + " steps");
        }

        @Override
        public void onEpochBegin(int epoch, Map<String, Double> logs) {
            calls.add("epoch_begin " + epoch);
        }

        @Override
        public void onTrainBatchBegin(int batch, Map<String, Double> logs) {
            calls.add("batch_begin " + batch);
        }

        @Override
        public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
            calls.add("batch_end " + batch + " " + logs.keySet());
        }

        @Override
        public void onEpochEnd(int epoch, Map<String, Double> logs) {
            calls.add("epoch_end " + epoch + " " + logs.keySet());
            weightsAtEpochEnd.add(model().getWeights());
        }

        @Override
        public void onTrainEnd(Map<String, Double> logs) {
            calls.add("train_end");
        }
    }

    @Test
    void hooksRunInKerasOrder() {
        Sequential model = linear(0.01);
        Recorder r = new Recorder();
        History h = model.fit(X, Y, FitOptions.epochs(3).batchSize(4).verbose(0).initialEpoch(1).validationData(X, Y)
                .callbacks(r));
        assertEquals(List.of("train_begin 3 epochs x 2 steps", "epoch_begin 1", "batch_begin 0",
                "batch_end 0 [loss, mae]", "batch_begin 1", "batch_end 1 [loss, mae]",
                "epoch_end 1 [loss, mae, val_loss, val_mae]", "epoch_begin 2", "batch_begin 0", "batch_end 0 [loss, mae]",
                "batch_begin 1", "batch_end 1 [loss, mae]", "epoch_end 2 [loss, mae, val_loss, val_mae]", "train_end"),
                r.calls);
        assertEquals(List.of(1, 2), h.epoch(), "initialEpoch 1 runs epochs 1 and 2");
        assertThrows(IllegalArgumentException.class, () -> model.fit(X, Y, FitOptions.epochs(2).initialEpoch(2)));
    }

    /**
     * From epoch 3 on, the scheduler sets a rate that makes training diverge: EarlyStopping, watching
     * the validation loss (measured after each epoch's updates), stops one epoch later and gives the
     * model back the weights of its best epoch.
     */
    @Test
    void earlyStoppingRestoresTheBestWeightsAfterADivergence() {
        Sequential model = linear(0.05);
        Recorder r = new Recorder();
        EarlyStopping stop = new EarlyStopping("val_loss", 1, true);
        LearningRateScheduler scheduler = new LearningRateScheduler((epoch, rate) -> epoch >= 3 ? 2.0 : rate);
        History h = model.fit(X, Y, FitOptions.epochs(20).batchSize(8).verbose(0).shuffle(false)
                .validationData(X, Y).callbacks(scheduler, r, stop));
        List<Double> loss = h.get("val_loss");
        assertTrue(loss.get(3) > loss.get(2), "the large rate makes the loss grow: " + loss);
        assertEquals(2, stop.bestEpoch());
        assertEquals(4, stop.stoppedEpoch(), "patience 1: epochs 3 and 4 do not improve");
        assertEquals(5, loss.size());
        assertEquals(List.of(0.05, 0.05, 0.05, 2.0, 2.0), h.get("learning_rate"));
        List<Tensor> best = r.weightsAtEpochEnd.get(2);
        for (int i = 0; i < best.size(); i++) {
            assertArrayEquals(best.get(i).toFloatArray(), model.getWeights().get(i).toFloatArray(), 0f);
        }
    }

    @Test
    void reduceLrOnPlateauCutsTheRateWhenTheLossStalls() {
        Sequential model = linear(0.0);
        ReduceLROnPlateau reduce = new ReduceLROnPlateau("loss", 0.5, 2, 0, 1, 0.0, "min");
        model.optimizer().setLearningRate(0.4);
        // Trained on its own predictions, the model's gradient is zero: the loss never improves.
        Tensor fixedPoint = model.predict(X);
        History h = model.fit(X, fixedPoint, FitOptions.epochs(8).batchSize(8).verbose(0).callbacks(reduce));
        // No epoch improves on the first: a cut after 2 stalled epochs; as in Keras, the epoch that ends a
        // cooldown of 1 counts as stalled again, so the next cut comes 2 epochs later.
        assertEquals(List.of(0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05), h.get("learning_rate"));
    }

    @Test
    void modelCheckpointSavesOnlyImprovementsAtomically() throws IOException {
        Sequential model = linear(0.05);
        Path pattern = dir.resolve("ckpt-{epoch}.jfg");
        model.fit(X, Y, FitOptions.epochs(4).batchSize(8).verbose(0).shuffle(false).callbacks(
                new ModelCheckpoint(pattern, "loss", true, "min")));
        for (int epoch = 1; epoch <= 4; epoch++) {
            assertTrue(Files.exists(dir.resolve("ckpt-" + epoch + ".jfg")), "the loss falls every epoch: " + epoch);
        }
        Path always = dir.resolve("last.jfg");
        model.fit(X, Y, FitOptions.epochs(2).batchSize(8).verbose(0).callbacks(new ModelCheckpoint(always)));
        Tensor reloaded = io.jitflow.Jit.load(always).call("predict", Map.of("x", X)).values().iterator().next();
        assertArrayEquals(model.predict(X).toFloatArray(), reloaded.toFloatArray(), 0f);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no partial files are left");
        }
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> model.fit(X, Y,
                FitOptions.epochs(1).verbose(0).callbacks(new ModelCheckpoint(pattern, "val_loss", true, "auto"))));
        assertTrue(missing.getMessage().contains("monitors 'val_loss', which fit does not log")
                && missing.getMessage().contains("give fit validation data"), missing.getMessage());
    }

    @Test
    void csvLoggerWritesARowPerEpoch() throws IOException {
        Path csv = dir.resolve("log.csv");
        Sequential model = linear(0.05);
        History h = model.fit(X, Y, FitOptions.epochs(3).batchSize(8).verbose(0).callbacks(new CsvLogger(csv)));
        List<String> lines = Files.readAllLines(csv);
        assertEquals("epoch,loss,mae", lines.get(0));
        assertEquals(4, lines.size());
        assertEquals(h.get("loss").get(2), Double.parseDouble(lines.get(3).split(",")[1]));
        model.fit(X, Y, FitOptions.epochs(1).batchSize(8).verbose(0).callbacks(new CsvLogger(csv, true)));
        assertEquals(5, Files.readAllLines(csv).size(), "appended under the same header");
    }

    @Test
    void terminateOnNaNStopsAtTheFirstBadBatch() {
        Sequential model = linear(1e30);
        TerminateOnNaN stop = new TerminateOnNaN();
        Tensor huge = Jf.mul(X, Jf.constant(1e20f));
        History h = model.fit(huge, Y, FitOptions.epochs(5).batchSize(2).verbose(0).callbacks(stop));
        assertTrue(stop.stoppedBatch() >= 0);
        assertEquals(1, h.epoch().size(), "the epoch of the bad batch is the last");
        double last = h.get("loss").get(0);
        assertTrue(Double.isNaN(last) || Double.isInfinite(last), "loss " + last);
        assertEquals(DType.FLOAT32, model.predict(X).dtype());
    }
}
