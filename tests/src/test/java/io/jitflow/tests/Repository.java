package io.jitflow.tests;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository's files (examples, data) from wherever the tests run. */
final class Repository {
    private Repository() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("examples"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (a folder with examples/) above "
                    + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    static Path examples() {
        return root().resolve("examples");
    }

    /** A class path of the jars or folders that hold {@code classes}, for starting a JVM with just those. */
    static String classPathOf(Class<?>... classes) {
        java.util.List<String> entries = new java.util.ArrayList<>();
        for (Class<?> c : classes) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
