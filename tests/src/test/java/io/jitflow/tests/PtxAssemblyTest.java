package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PTX the CUDA backend writes for every elementwise op and dtype it supports, and for sum
 * reductions and batched, transposed matmuls with an epilogue in four dtypes, assembled by
 * NVIDIA's {@code ptxas} for three GPU generations (skipped, saying so, where ptxas is not on the PATH).
 */
class PtxAssemblyTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "ptxas -arch={0}")
    @ValueSource(strings = {"sm_75", "sm_80", "sm_90"})
    void everySupportedKernelAssembles(String arch) throws Exception {
        Assumptions.assumeTrue(onPath("ptxas"), "ptxas is not on the PATH: PTX assembly not checked");
        PtxCases.All cases = PtxCases.all();
        StringBuilder module = new StringBuilder();
        int n = 0;
        int pieces = 0;
        for (PtxCases.PtxCase c : cases.supported()) {
            // One module for all cases and their regions' modules: the header once, entry names made unique.
            for (String ptx : modules(c.module())) {
                String entries = ptx.substring(ptx.indexOf(".address_size 64\n") + ".address_size 64\n".length());
                module.append(pieces == 0 ? ptx.substring(0, ptx.length() - entries.length()) : "")
                        .append("// case: ").append(c.name()).append('\n')
                        .append(entries.replace(".entry k", ".entry c" + pieces++ + "_k"));
            }
            n++;
        }
        assertTrue(n >= 160, "only " + n + " cases compile to PTX; unsupported: " + cases.unsupported());
        Path file = dir.resolve("cases.ptx");
        Files.writeString(file, module);
        assemble(file, arch);
        System.out.printf("ptxas -arch=%s: %d cases assembled, %d not supported by the CUDA backend yet%n",
                arch, n, cases.unsupported().size());
    }

    /** A program's PTX module, then its control-flow regions' modules, at any depth. */
    private static List<String> modules(io.jitflow.runtime.cuda.CudaCode code) {
        List<String> all = new java.util.ArrayList<>(List.of(code.ptx()));
        code.regions().forEach(r -> all.addAll(modules(r)));
        return all;
    }

    /** Runs ptxas; a failure shows its message with the PTX lines it names. */
    static void assemble(Path file, String arch) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ptxas", "-arch=" + arch, "-o", file + "." + arch + ".cubin", file.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas did not finish");
        if (p.exitValue() != 0) {
            List<String> lines = Files.readAllLines(file);
            StringBuilder context = new StringBuilder();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+);").matcher(log);
            while (m.find()) {
                int line = Integer.parseInt(m.group(1));
                context.append("\n  line ").append(line).append(": ").append(lines.get(line - 1).trim());
            }
            throw new AssertionError("ptxas -arch=" + arch + " failed:\n" + log + context);
        }
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
