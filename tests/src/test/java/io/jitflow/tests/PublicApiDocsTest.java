package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every public type of the modules a user programs against has a Javadoc comment (the Javadoc jars show it). */
class PublicApiDocsTest {
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public (final |abstract |sealed |non-sealed )*(class|interface|record|enum|@interface) .*");

    @Test
    void everyPublicTypeHasJavadoc() throws IOException {
        List<String> undocumented = new ArrayList<>();
        for (String module : List.of("graph-ir", "grammar", "onnx", "compiler", "api", "keras")) {
            try (Stream<Path> files = Files.walk(Repository.root().resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        if (PUBLIC_TYPE.matcher(lines.get(i)).matches()) {
                            int j = i - 1;
                            while (j >= 0 && (lines.get(j).startsWith("@") || lines.get(j).isBlank())) {
                                j--;
                            }
                            if (j < 0 || !lines.get(j).strip().endsWith("*/")) {
                                undocumented.add(Repository.root().relativize(file) + ":" + (i + 1));
                            }
                            break;
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), undocumented, "public types without a Javadoc comment");
    }
}
