package io.jitflow.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A NumPy peer: one of the repository's scripts under {@code bench/} run by {@code python3}, its
 * figure read from its output; or why it could not run (no python3, no NumPy, a failure).
 */
public record PythonPeer(double value, String unavailable) {
    /**
     * Runs {@code bench/<script> args...} from {@code home} (the repository root) and reads the
     * last match of {@code figure}'s first group.
     */
    public static PythonPeer run(Path home, Pattern figure, String script, String... args) {
        Path file = home.resolve("bench").resolve(script);
        if (!Files.isRegularFile(file)) {
            return new PythonPeer(Double.NaN, "NumPy peer not run: " + file + " is missing");
        }
        List<String> command = new ArrayList<>(List.of("python3", file.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                String last = out.strip().lines().reduce((a, b) -> b).orElse("no output");
                return new PythonPeer(Double.NaN, "NumPy peer failed (" + String.join(" ", command.subList(1,
                        command.size())) + "): " + last);
            }
            Matcher m = figure.matcher(out);
            double value = Double.NaN;
            while (m.find()) {
                value = Double.parseDouble(m.group(1));
            }
            return Double.isNaN(value) ? new PythonPeer(value, "NumPy peer printed no figure: " + out.strip())
                    : new PythonPeer(value, null);
        } catch (IOException e) {
            return new PythonPeer(Double.NaN, "NumPy peer not run: no python3 (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PythonPeer(Double.NaN, "NumPy peer interrupted");
        }
    }

    public boolean ran() {
        return unavailable == null;
    }
}
