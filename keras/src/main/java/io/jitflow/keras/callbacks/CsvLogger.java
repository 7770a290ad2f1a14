package io.jitflow.keras.callbacks;

import io.jitflow.keras.Callback;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes one CSV row per epoch, as keras.callbacks.CSVLogger: "epoch" and the epoch's logs, under a
 * header row; each row is flushed, so the file is readable while training runs. With
 * {@code append}, rows go after an existing file's (its header is kept).
 */
public final class CsvLogger extends Callback {
    private final Path file;
    private final boolean append;
    private BufferedWriter out;
    private List<String> keys;

    public CsvLogger(Path file) {
        this(file, false);
    }

    public CsvLogger(Path file, boolean append) {
        this.file = file;
        this.append = append;
    }

    @Override
    public void onTrainBegin(Map<String, Double> logs) {
        keys = null;
        try {
            boolean continuing = append && Files.exists(file) && Files.size(file) > 0;
            out = Files.newBufferedWriter(file, continuing
                    ? new StandardOpenOption[] {StandardOpenOption.APPEND}
                    : new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE});
            if (continuing) {
                String header = Files.readAllLines(file).get(0);
                keys = List.of(header.split(",")).subList(1, header.split(",").length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("CsvLogger: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs) {
        try {
            if (keys == null) {
                keys = new ArrayList<>(logs.keySet());
                out.write("epoch," + String.join(",", keys));
                out.newLine();
            }
            StringBuilder row = new StringBuilder(Integer.toString(epoch));
            for (String k : keys) {
                Double v = logs.get(k);
                row.append(',').append(v == null ? "" : String.format(Locale.ROOT, "%s", v));
            }
            out.write(row.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("CsvLogger: cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onTrainEnd(Map<String, Double> logs) {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("CsvLogger: cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
