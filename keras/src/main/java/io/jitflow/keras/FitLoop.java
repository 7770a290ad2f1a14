package io.jitflow.keras;

import static io.jitflow.keras.TrainingData.close;

import io.jitflow.Jf;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.keras.TrainingData.BatchSource;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Dropout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** fit's epochs: the callbacks' hooks, each step with its dropout noise, running averages, validation, the history. */
final class FitLoop {
    private FitLoop() {
    }

    /** fit's loop; {@code first} is a batch (or all the data) as the source gives them, for the step's types. */
    static History run(Model model, BatchSource source, List<Tensor> first, List<Tensor> valX, List<Tensor> valY,
            FitOptions options) {
        if (options.initialEpoch >= options.epochs) {
            throw new IllegalArgumentException("fit: initial epoch " + options.initialEpoch + " leaves no epoch to run"
                    + " (epochs " + options.epochs + "; epochs counts from 0, not from the initial epoch)");
        }
        int steps = options.stepsPerEpoch > 0 ? options.stepsPerEpoch : source.steps();
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("verbose", options.verbose);
        params.put("epochs", options.epochs);
        params.put("steps", steps);
        History history = new History(params);
        boolean terminal = options.terminal != null ? options.terminal : options.out == System.out && System.console() != null;
        List<Callback> callbacks = new ArrayList<>(List.of(new ProgressLogger(options.out, options.verbose, terminal)));
        callbacks.addAll(options.callbacks);
        for (Callback c : callbacks) {
            c.attach(model, Collections.unmodifiableMap(params));
        }
        int n = model.inputNames().size();
        int m = model.losses.size();
        JitFunction step = model.trainStep(first.subList(0, n), first.subList(n, n + m), first.size() > n + m);
        List<Dropout> dropouts = model.dropouts();
        Random random = new Random(options.seed);
        long noiseSeed = random.nextLong();
        model.stopTraining = false;
        Map<String, Double> last = new LinkedHashMap<>();
        callbacks.forEach(c -> c.onTrainBegin(Map.of()));
        for (int epoch = options.initialEpoch; epoch < options.epochs && !model.stopTraining; epoch++) {
            int current = epoch;
            callbacks.forEach(c -> c.onEpochBegin(current, new LinkedHashMap<>()));
            Iterator<List<Tensor>> batches = source.epoch(random);
            model.resetMetrics();
            Averages averages = new Averages(model.names(""), model.running());
            try {
                for (int s = 0; (steps < 0 || s < steps) && !model.stopTraining && batches.hasNext(); s++) {
                    int batch = s;
                    callbacks.forEach(c -> c.onTrainBatchBegin(batch, new LinkedHashMap<>()));
                    List<Tensor> args = new ArrayList<>(batches.next());
                    Tensor x = args.get(0);
                    int size = x.shape()[0];
                    args.addAll(noise(dropouts, size, noiseSeed, x.device()));
                    noiseSeed += dropouts.size();
                    averages.add(model.run(step, args.toArray(new Tensor[0])), size);
                    Map<String, Double> batchLogs = averages.values();
                    callbacks.forEach(c -> c.onTrainBatchEnd(batch, new LinkedHashMap<>(batchLogs)));
                }
            } finally {
                close(batches);
            }
            Map<String, Double> logs = new LinkedHashMap<>(averages.values());
            if (valX != null) {
                Map<String, Double> validation = model.averages(valX, valY, options.batchSize);
                validation.forEach((k, v) -> logs.put("val_" + k, v));
            }
            callbacks.forEach(c -> c.onEpochEnd(current, logs));
            history.record(epoch, logs);
            last = logs;
        }
        Map<String, Double> finalLogs = last;
        callbacks.forEach(c -> c.onTrainEnd(finalLogs));
        return history;
    }

    /** Dropout's noise for a batch of {@code size}: one uniform tensor per dropout layer, seeded {@code seed}, {@code seed + 1}, ... */
    static List<Tensor> noise(List<Dropout> dropouts, int size, long seed, io.jitflow.runtime.Device device) {
        List<Tensor> noise = new ArrayList<>();
        for (int i = 0; i < dropouts.size(); i++) {
            Dropout d = dropouts.get(i);
            int[] shape = d.noiseShape(d.inputShape()).bind(Map.of(Model.BATCH, size)).sizes();
            noise.add(Jf.randomUniform(shape, 0, 1, seed + i, DType.FLOAT32).toDevice(device));
        }
        return noise;
    }
}
