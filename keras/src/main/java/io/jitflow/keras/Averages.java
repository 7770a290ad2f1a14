package io.jitflow.keras;

import io.jitflow.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step's results over the batches so far: per-batch values averaged, weighted by batch size;
 * running values (stateful metrics, which accumulate themselves) as the last batch left them.
 */
final class Averages {
    private final List<String> names;
    private final boolean[] running;
    private final double[] sums;
    private long count;

    Averages(List<String> names, boolean[] running) {
        this.names = names;
        this.running = running;
        this.sums = new double[names.size()];
    }

    void add(List<Tensor> batch, int size) {
        for (int i = 0; i < sums.length; i++) {
            double v = batch.get(i).doubleValue();
            sums[i] = running[i] ? v : sums[i] + v * size;
        }
        count += size;
    }

    Map<String, Double> values() {
        Map<String, Double> v = new LinkedHashMap<>();
        for (int i = 0; i < sums.length; i++) {
            v.put(names.get(i), count == 0 ? Double.NaN : running[i] ? sums[i] : sums[i] / count);
        }
        return v;
    }
}
