package io.jitflow.keras.callbacks;

import io.jitflow.keras.Callback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves the model after each epoch, as keras.callbacks.ModelCheckpoint: to {@code file}, in which
 * {@code {epoch}} becomes the 1-based epoch number; with {@code saveBestOnly}, only when the
 * monitored value improves. Saving is atomic (the file is written beside and moved into place), so
 * a crash mid-save leaves the previous checkpoint whole.
 */
public final class ModelCheckpoint extends Callback {
    private final String file;
    private final Monitor monitor;
    private final boolean saveBestOnly;
    private double best;

    /** Saves after every epoch. */
    public ModelCheckpoint(Path file) {
        this(file, "val_loss", false, "auto");
    }

    public ModelCheckpoint(Path file, String monitor, boolean saveBestOnly, String mode) {
        this.file = file.toString();
        this.monitor = new Monitor("ModelCheckpoint", monitor, mode, 0);
        this.saveBestOnly = saveBestOnly;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        best = monitor.worst();
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        if (saveBestOnly) {
            double current = monitor.value("ModelCheckpoint", logs);
            if (!monitor.improves(current, best)) {
                return;
            }
            best = current;
        }
        Path target = Path.of(file.replace("{epoch}", Integer.toString(epoch + 1)));
        try {
            model().save(target);
        } catch (IOException e) {
            throw new UncheckedIOException("ModelCheckpoint: cannot save " + target + ": " + e.getMessage(), e);
        }
    }
}
