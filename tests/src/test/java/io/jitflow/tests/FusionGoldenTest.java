package io.jitflow.tests;

import io.jitflow.passes.FileCheck;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.ir.Graph;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.text.GraphParser;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fusion decisions as golden tests: each file under resources/fusion is a graph whose kernel
 * program (which nodes end up in which kernel) is matched by CHECK lines; the compiled program
 * must also agree with the reference interpreter.
 */
class FusionGoldenTest {
    static Stream<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(Repository.root().resolve("tests/src/test/resources/fusion"),
                "*.jfg")) {
            s.forEach(files::add);
        }
        files.sort(null);
        return files.stream();
    }

    static Graph parse(Path file) {
        try {
            return GraphParser.parse(Files.readString(file), file.getFileName().toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Seeded random inputs for a golden file's function, with a batch of 2 where a dim is symbolic. */
    static Map<String, io.jitflow.ir.HostTensor> inputs(Graph g, Path file) {
        Map<String, io.jitflow.ir.HostTensor> inputs = new java.util.LinkedHashMap<>();
        Random random = new Random(file.getFileName().toString().hashCode());
        g.functions().get(0).inputs().forEach(v -> inputs.put(v.name(), RandomTensors.of(v.type().dtype(),
                v.type().shape().bind(Map.of("batch", 2)).sizes(), random, -3, 3, false)));
        return inputs;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void kernelsMatchTheirChecks(Path file) throws IOException {
        String source = Files.readString(file);
        Graph g = parse(file);
        KernelProgram program = Compiled.lower(g.functions().get(0), g.inferenceContext());
        FileCheck.check(source, program.toString(), file.getFileName().toString());
        Differential.check(g, g.functions().get(0), inputs(g, file), file.getFileName().toString());
        assertEquals(program.kernels().size(), Integer.parseInt(source.replaceAll("(?s).*\\((\\d+) kernels?\\).*", "$1")));
    }
}
