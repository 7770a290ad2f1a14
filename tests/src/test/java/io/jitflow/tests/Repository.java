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
}
