package io.jitflow.tests;

import io.jitflow.passes.FileCheck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.compiler.CompileOptions;
import io.jitflow.compiler.CompilerDriver;
import io.jitflow.compiler.Pipeline;
import io.jitflow.ir.Graph;
import io.jitflow.text.GraphParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Each kernel stage of the compiler's pipeline, by FileCheck on its dump: {@code pipeline/STAGE.jfg}
 * is compiled with a dump after STAGE only, and its CHECK lines must match that dump.
 */
class PipelineStageTest {
    private static final Path DIR = Repository.root().resolve("tests/src/test/resources/pipeline");
    private static final List<String> KERNEL_STAGES = List.of(Pipeline.FUSE, Pipeline.MERGE_SIBLINGS, Pipeline.PLAN_BUFFERS);

    @TestFactory
    Stream<DynamicTest> eachKernelStageMatchesItsChecks() {
        return KERNEL_STAGES.stream().map(stage -> DynamicTest.dynamicTest(stage, () -> {
            String source = Files.readString(DIR.resolve(stage + ".jfg"));
            FileCheck.check(source, dumpAfter(stage, source), stage + ".jfg");
        }));
    }

    @Test
    void everyKernelStageHasACheckFile() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            assertEquals(Set.copyOf(KERNEL_STAGES), Set.copyOf(files.map(p -> p.getFileName().toString()
                    .replaceFirst("\\.jfg$", "")).toList()));
        }
        List<String> stages = Pipeline.standard(Compiled.OPTIONS).stageNames();
        assertEquals(KERNEL_STAGES, stages.subList(stages.size() - 3, stages.size()), "the kernel stages, in order");
    }

    private static String dumpAfter(String stage, String source) {
        Graph graph = GraphParser.parse(source, stage + ".jfg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CompileOptions options = Compiled.OPTIONS.withDumpAfter(Set.of(stage),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        CompilerDriver compiler = new CompilerDriver(options);
        compiler.lower(compiler.optimize(graph), graph.functions().get(0).name());
        String dump = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(dump.startsWith("# after " + stage + "\n"), dump);
        return dump;
    }
}
