package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA runtime's JavaCPP binding, exercised without a GPU: a fake libcuda.so.1 (built here with
 * the C compiler) stands in for the driver in a fresh JVM, so every driver call the runtime makes
 * (initialization, device properties, memory, copies, module loading with its error log, entry
 * lookup, launch parameters, the status word) runs through JavaCPP for real. Skipped where there is
 * no C compiler, or no CUDA runtime library for JavaCPP's bindings to link against.
 */
class FakeDriverTest {
    @TempDir
    Path dir;

    @Test
    void theRuntimeDrivesTheDriverApiAsDocumented() throws Exception {
        Path log = dir.resolve("launches.log");
        String out = run(log, null, FakeDriverCheck.class);
        assumeTrue(!out.startsWith("unavailable: the CUDA driver could not be loaded (libcudart"), out);
        assertEquals(String.join("\n",
                "cuda:0 (Fake GPU 0, compute capability 9.0), 4 SMs, 1073741824 bytes, driver 13000",
                "bool round trip: equal",
                "uint8 round trip: equal",
                "int32 round trip: equal",
                "int64 round trip: equal",
                "float16 round trip: equal",
                "float32 round trip: equal",
                "float64 round trip: equal",
                "tensor on cuda:0, back on the host: tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)",
                "eager add with a host scalar runs on cuda:0",
                "add: the arguments are on different devices (cuda:0 and cpu); copy them to one with toDevice(...) first",
                "there is no CUDA device 1 (this machine has 1)",
                "cuModuleLoadDataEx failed on cuda:0 (Fake GPU 0, compute capability 9.0): CUDA_ERROR_INVALID_PTX "
                        + "(a PTX JIT compilation failed)",
                "PTX JIT log:",
                "ptxas application ptx input, line 6; error   : fake-error here",
                // cond takes then (y); the reverse scan carries each step's x back: h = xs[0], ys = [xs[1], xs[2], x].
                "control flow: c [3.0, 4.0], h [5.0, 6.0], ys [7.0, 8.0, 9.0, 10.0, 1.0, 2.0]",
                "control flow from a CUDA jar: the same",
                "cuModuleGetFunction(k0_0) failed: CUDA_ERROR_NOT_FOUND (named symbol not found)",
                // Host inputs go by copies from page-locked memory queued on a copy stream (S1); the kernels' stream
                // (S2) waits for them by an event; floor_div can report a division by zero, so its status word comes
                // back; the result is read only when asked.
                "ran: int32[3], [HtoD 12 queued S1, HtoD 12 queued S1, record E1 S1, wait S2 E1, DtoH 4 queued S2, sync S2]",
                // A program that cannot fail: no call waits for its kernels; the copies of each call are queued while
                // the kernels before them may still run, and the third call reuses the first call's staging after
                // waiting for that call's copies (E1) alone; reading the result waits for the kernels, then copies.
                "three calls and a read: [HtoD 12 queued S1, HtoD 12 queued S1, record E1 S1, wait S2 E1, "
                        + "HtoD 12 queued S1, HtoD 12 queued S1, record E2 S1, wait S2 E2, "
                        + "sync E1, HtoD 12 queued S1, HtoD 12 queued S1, record E1 S1, wait S2 E1, sync S2, DtoH 12]",
                // The step's kernels take their parameters by value and cannot report an error: no copy and no wait
                // at all, and the weights (64x32 and 32 floats) stay on the device until they are read.
                "copies per training step: none",
                "reading w: [sync S1, DtoH 8192]"), out);
        // The eager add's one-op program, then the floor_div program (then the training steps').
        assertTrue(Files.readString(log).startsWith(
                "launch k0_0 grid 1x1x1 block 256x1x1 count 3 buffers[0] set on its own stream\n".repeat(2)));
    }

    @Test
    void anErrorInTheStatusWordIsThrownWithItsMessage() throws Exception {
        String out = run(dir.resolve("launches.log"), "1", FakeDriverCheck.class);
        assumeTrue(!out.startsWith("unavailable: the CUDA driver could not be loaded (libcudart"), out);
        assertTrue(out.endsWith("\nEvaluationException: floor_div: integer division by zero"), out);
        // The eager add's module cannot report an error, so its run never reads the status word.
        assertTrue(out.contains("\neager add with a host scalar runs on cuda:0\n"), out);
        String undefined = run(dir.resolve("launches.log"), "2", FakeDriverCheck.class);
        assertTrue(undefined.endsWith("\nCudaException: the kernels of @f reported error code 2, which their module "
                + "does not define"), undefined);
    }

    /**
     * Every GPU benchmark runs through the driver (the fake's kernels compute nothing, so its figures
     * mean nothing): the device's roofs come from its attributes, and the cuBLAS peer says why it
     * cannot run where the machine has no libcublas.
     */
    @Test
    void theGpuBenchmarksRunThroughTheDriver() throws Exception {
        String out = run(dir.resolve("launches.log"), null, CudaBenchmark.class, "--quick");
        assumeTrue(!out.startsWith("unavailable") && !out.contains("could not be loaded (libcudart"), out);
        List<String> lines = out.lines().toList();
        assertEquals(6, lines.size(), out);
        assertEquals("device: cuda:0 (Fake GPU 0, compute capability 9.0), driver 13000, DRAM 64 GB/s, FP32 FMA peak "
                + "1024 GFLOP/s, " + Runtime.getRuntime().availableProcessors() + " CPU cores", lines.get(0));
        assertTrue(lines.get(1).startsWith("elementwise chain, 4096 float32: cpu ") && lines.get(1).contains("% of DRAM)"), out);
        assertTrue(lines.get(2).startsWith("matmul 64^3 float32: cpu ") && lines.get(2).contains("% of FP32 peak), ")
                && (lines.get(2).contains("cuBLAS cannot run here") || lines.get(2).contains("GFLOP/s; ours")), out);
        assertTrue(lines.get(3).startsWith("conv 3x3 64->64 56x56 batch 1 float32: cpu "), out);
        assertTrue(lines.get(4).startsWith("MLP 784-128-10 training step, batch 8: cpu "), out);
        assertTrue(lines.get(5).startsWith("CNN 28x28 conv32-pool-conv64-pool-dense10 training step, batch 4: cpu "), out);
    }

    /** Builds the fake driver and runs {@code main} against it; returns its output. */
    private String run(Path log, String status, Class<?> main, String... args) throws IOException, InterruptedException {
        Path source = Repository.root().resolve("tests/src/test/c/fake_libcuda.c");
        Process cc;
        try {
            cc = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", dir.resolve("libcuda.so.1").toString(),
                    source.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no C compiler (cc) to build the fake driver: " + e.getMessage());
            throw e;
        }
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, cc.exitValue(), new String(cc.getInputStream().readAllBytes()));
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder jvm = new ProcessBuilder(command).redirectErrorStream(true);
        String libraryPath = System.getenv("LD_LIBRARY_PATH");
        jvm.environment().put("LD_LIBRARY_PATH", dir + (libraryPath == null ? "" : ":" + libraryPath));
        jvm.environment().put("FAKE_CUDA_LOG", log.toString());
        jvm.environment().put("FAKE_CUDA_COPIES", dir.resolve("copies.log").toString());
        if (status != null) {
            jvm.environment().put("FAKE_CUDA_STATUS", status);
        }
        Process p = jvm.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the JVM did not finish");
        // The JVM's note on the incubator module is not the check's output.
        return new String(p.getInputStream().readAllBytes()).replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "")
                .strip();
    }
}
