package io.jitflow.passes;

import io.jitflow.ir.Graph;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of the passes: each file under resources/passes is a graph with a {@code # RUN:}
 * line naming the passes (or "default" for the default pipeline; {@code specialize-shapes(batch=4)}
 * with its dim sizes) and CHECK directives matched
 * against the printed result. The verifier runs after every pass.
 */
class PassGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/passes");

    /** Every golden file, those of simplify's rules (passes/simplify/RULE.jfg) included. */
    static Stream<Path> files() throws IOException {
        try (Stream<Path> all = Files.walk(DIR)) {
            return all.filter(p -> p.toString().endsWith(".jfg")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void passOutputMatchesItsChecks(Path file) throws IOException {
        String source = Files.readString(file);
        String run = source.lines().filter(l -> l.startsWith("# RUN:")).findFirst()
                .orElseThrow(() -> new AssertionError(file + " has no # RUN: line")).substring(6).strip();
        List<Pass> passes = new ArrayList<>();
        if (run.equals("default")) {
            passes.addAll(PassManager.defaultPasses());
        } else {
            for (String name : run.split(",(?![^(]*\\))")) {
                // specialize-shapes(batch=4,n=2) takes the dim sizes it specializes to.
                java.util.regex.Matcher bind = java.util.regex.Pattern.compile("specialize-shapes\\((.*)\\)").matcher(name.strip());
                Pass p = bind.matches() ? new SpecializeShapes(SpecializeShapes.parse(bind.group(1)))
                        : PassManager.byName().get(name.strip());
                if (p == null) {
                    throw new AssertionError(file + ": unknown pass " + name);
                }
                passes.add(p);
            }
        }
        Graph input = GraphParser.parse(source, file.getFileName().toString());
        Graph output = new PassManager(passes).verifyEachPass(true).run(input);
        FileCheck.check(source, GraphPrinter.print(output), file.getFileName().toString());
    }

    @Test
    void everySimplifyRuleHasAGoldenFileOfItsOwn() {
        for (String rule : Simplify.ruleNames()) {
            if (!Files.isRegularFile(DIR.resolve("simplify").resolve(rule + ".jfg"))) {
                throw new AssertionError("simplify's rule " + rule + " has no golden file passes/simplify/" + rule + ".jfg");
            }
        }
    }

    @Test
    void everyPassHasAGoldenFile() throws IOException {
        List<String> runs = new ArrayList<>();
        for (Path p : files().toList()) {
            Files.readString(p).lines().filter(l -> l.startsWith("# RUN:")).forEach(runs::add);
        }
        for (String pass : PassManager.byName().keySet()) {
            if (runs.stream().noneMatch(r -> r.contains(pass))) {
                throw new AssertionError("no golden test runs pass " + pass);
            }
        }
    }
}
