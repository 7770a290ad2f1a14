package io.jitflow.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's files as bytes, for Spark to broadcast once: a graph file with the weight sidecars it
 * names, or an AOT jar. Each executor JVM writes them to a temporary folder and loads and compiles
 * them when a task needs a copy and none is free (kept by the files' digest and the function).
 */
final class ModelFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern SIDECAR = Pattern.compile("external<\"([^\"]+)\"");
    private static final Pool<Predictor> LOADED = new Pool<>();

    private final String mainName;
    private final LinkedHashMap<String, byte[]> files;
    private final String digest;

    private ModelFiles(String mainName, LinkedHashMap<String, byte[]> files) {
        this.mainName = mainName;
        this.files = files;
        this.digest = digestOf(files);
    }

    /** The model file and, for a graph file, the sidecars it refers to; an unreadable path is an error naming it. */
    static ModelFiles read(Path model) {
        if (!Files.isRegularFile(model) || !Files.isReadable(model)) {
            throw new IllegalArgumentException("jitflow: cannot read the model " + model + " (no such readable file)");
        }
        try {
            LinkedHashMap<String, byte[]> files = new LinkedHashMap<>();
            String name = model.getFileName().toString();
            byte[] bytes = Files.readAllBytes(model);
            files.put(name, bytes);
            if (name.endsWith(".jfg")) {
                Matcher m = SIDECAR.matcher(new String(bytes, StandardCharsets.UTF_8));
                while (m.find()) {
                    files.putIfAbsent(m.group(1), Files.readAllBytes(model.resolveSibling(m.group(1))));
                }
            }
            return new ModelFiles(name, files);
        } catch (IOException e) {
            throw new UncheckedIOException("jitflow: reading the model " + model + ": " + e.getMessage(), e);
        }
    }

    /** A compiled copy of {@code function} of the model (null: "predict", or its only function) for one task. */
    Predictor take(String function) {
        return LOADED.take(digest + "/" + function, () -> {
            try {
                Path dir = Files.createTempDirectory("jitflow-model-");
                dir.toFile().deleteOnExit();
                for (Map.Entry<String, byte[]> f : files.entrySet()) {
                    Files.write(dir.resolve(f.getKey()), f.getValue());
                    dir.resolve(f.getKey()).toFile().deleteOnExit();
                }
                return Predictor.load(dir.resolve(mainName), function);
            } catch (IOException e) {
                throw new UncheckedIOException("jitflow: loading the model " + mainName + ": " + e.getMessage(), e);
            }
        });
    }

    /** Gives a copy back for the next task. */
    void give(String function, Predictor predictor) {
        LOADED.give(digest + "/" + function, predictor);
    }

    private static String digestOf(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                sha.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update(f.getValue());
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
