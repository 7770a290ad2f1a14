package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU check's one command (tools/gpu-check/run): the bundle it packs holds a JRE that runs
 * with the Vector API, the jars, the compiled tests, JUnit's launcher, the PTX cases and the C
 * checker, in one file small enough to carry; its check step runs here too and reports each part
 * (without a GPU: the CUDA tests skipped, the device parts failing with the missing driver named).
 */
class GpuCheckBundleTest {
    private static String run(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, 0, args);
    }

    private static String run(Path dir, int exitCode, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("bash",
                Repository.root().resolve("tools/gpu-check/run").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "tools/gpu-check/run " + String.join(" ", args) + " timed out");
        assertEquals(exitCode, p.exitValue(), out);
        return out;
    }

    @Test
    void packsABundleThatRunsItsChecks(@TempDir Path dir) throws Exception {
        Path jmods = Path.of(System.getProperty("java.home"), "jmods");
        Assumptions.assumeTrue(Files.isDirectory(jmods), "this JDK has no jmods, so jlink cannot make the bundle's JRE");
        String packed = run(dir, "pack", "--no-build", "bundle");
        Path bundle = dir.resolve("bundle");
        assertTrue(packed.contains("gpu-check: packed " + bundle), packed);
        Path java = bundle.resolve("jre/bin/java");
        Process modules = new ProcessBuilder(java.toString(), "--list-modules").start();
        String list = new String(modules.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(list.contains("jdk.incubator.vector") && list.contains("jdk.unsupported"), list);
        for (String jar : List.of("runtime-", "codegen-cuda-", "keras-", "cuda-", "javacpp-")) {
            try (var files = Files.list(bundle.resolve("lib"))) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(jar)), "lib has " + jar + "*.jar");
            }
        }
        try (var files = Files.list(bundle.resolve("lib"))) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("junit-")),
                    "JUnit comes only with the console launcher");
        }
        assertTrue(Files.isRegularFile(bundle.resolve("junit-console.jar")));
        assertTrue(Files.isRegularFile(bundle.resolve("test-classes/io/jitflow/tests/CudaBackendTest.class")));
        assertTrue(Files.isRegularFile(bundle.resolve("cases/case000/module.ptx")));
        assertTrue(Files.isRegularFile(bundle.resolve("ptx_gpu_check.c")));
        long tgz = Files.size(dir.resolve("bundle.tgz"));
        assertTrue(tgz < 60L << 20, "the bundle carries in one file under the device tool's 64 MiB: " + tgz);

        String report = run(dir, "check", "bundle");
        assertEquals(Files.readString(bundle.resolve("report.txt")), report, "check prints the report it writes");
        for (String section : List.of("# Jitflow GPU check", "java: ", "## CUDA backend tests", "CudaBackendTest",
                "## PTX cases on the device", "## CUDA benchmarks")) {
            assertTrue(report.contains(section), section + " in\n" + report);
        }
        if (!io.jitflow.runtime.cuda.Cuda.isAvailable()) {
            assertTrue(report.contains("tests skipped") && report.contains("tests: passed"), report);
            assertTrue(report.contains("benchmarks: FAILED") && report.contains("CUDA driver could not be loaded"), report);
        }
    }

    @Test
    void checkWithoutABundleSaysHowToMakeOne(@TempDir Path dir) throws Exception {
        String out = run(dir, 1, "check", "missing");
        assertEquals("gpu-check: no bundle in missing: run 'tools/gpu-check/run pack' first\n", out);
        assertTrue(run(dir, 2, "nonsense").contains("tools/gpu-check/run pack"), "usage names the commands");
    }
}
