package io.jitflow.keras;

import java.io.PrintStream;
import java.util.Map;

/**
 * Keras's fit output, the first of fit's callbacks: on a terminal, a progress bar redrawn in place
 * with step count, ETA, loss and metrics; otherwise one line per epoch; nothing at verbose 0.
 */
final class ProgressLogger extends Callback {
    private static final int BAR_WIDTH = 30;

    private final PrintStream out;
    private final int verbose;
    private final boolean bar;
    private long epochStart;
    private long lastDraw;
    /** The batches run so far this epoch (a dataset's count is known only at its end). */
    private int stepsDone;

    ProgressLogger(PrintStream out, int verbose, boolean terminal) {
        this.out = out;
        this.verbose = verbose;
        this.bar = verbose == 1 && terminal;
    }

    @Override
    public void onEpochBegin(int epoch, Map<String, Double> logs) {
        epochStart = System.nanoTime();
        lastDraw = 0;
        stepsDone = 0;
        if (verbose > 0) {
            out.println("Epoch " + (epoch + 1) + "/" + params().get("epochs"));
        }
    }

    /** fit's steps per epoch, or the batches so far when the data's length is not known. */
    private int steps() {
        int known = (Integer) params().get("steps");
        return known > 0 ? known : stepsDone;
    }

    @Override
    public void onTrainBatchEnd(int batch, Map<String, Double> logs) {
        stepsDone = batch + 1;
        if (!bar) {
            return;
        }
        int step = batch + 1;
        int steps = steps();
        long now = System.nanoTime();
        if (step < steps && now - lastDraw < 50_000_000L) {
            return;
        }
        lastDraw = now;
        double elapsed = (now - epochStart) / 1e9;
        double eta = elapsed / step * (steps - step);
        out.print("\r" + counter(step, steps) + " " + bar(step, steps) + " - ETA: " + seconds(eta) + format(logs));
        out.flush();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (verbose == 0) {
            return;
        }
        int steps = Math.max(1, steps());
        double elapsed = (System.nanoTime() - epochStart) / 1e9;
        String timing = " - " + seconds(elapsed) + " " + Math.round(elapsed / steps * 1000) + "ms/step";
        if (bar) {
            out.print("\r" + counter(steps, steps) + " " + bar(steps, steps) + timing + format(logs) + "\n");
        } else {
            out.println(counter(steps, steps) + timing + format(logs));
        }
        out.flush();
    }

    private static String counter(int step, int steps) {
        String total = Integer.toString(steps);
        return String.format("%" + total.length() + "d/%s", step, total);
    }

    private static String bar(int step, int steps) {
        int done = (int) ((long) BAR_WIDTH * step / steps);
        StringBuilder sb = new StringBuilder("[");
        sb.append("=".repeat(Math.max(0, done - (step < steps ? 1 : 0))));
        if (step < steps) {
            sb.append('>');
        }
        sb.append(".".repeat(BAR_WIDTH - done));
        return sb.append(']').toString();
    }

    private static String seconds(double s) {
        return s >= 1 ? Math.round(s) + "s" : Math.round(s * 1000) + "ms";
    }

    static String format(Map<String, Double> logs) {
        StringBuilder sb = new StringBuilder();
        logs.forEach((k, v) -> sb.append(" - ").append(k).append(": ").append(String.format(java.util.Locale.ROOT, "%.4f", v)));
        return sb.toString();
    }
}
