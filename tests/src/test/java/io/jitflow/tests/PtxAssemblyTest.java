package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.cuda.PtxGenerator;
import io.jitflow.cuda.UnsupportedKernelException;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.kernel.KernelProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
        StringBuilder module = new StringBuilder();
        TreeMap<String, String> unsupported = new TreeMap<>();
        Map<String, Function> functions = new LinkedHashMap<>();
        CompiledOpsTest.elementwiseCases().forEach(c -> functions.put(c.toString(), CompiledOpsTest.function(c)));
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64)) {
            functions.put("reduce_sum " + dtype, PtxDifferentialTest.rowSums(dtype));
            functions.put("matmul " + dtype, PtxDifferentialTest.matmulWithEpilogue(dtype, false, true));
            functions.put("matmul " + dtype + " transposed a", PtxDifferentialTest.matmulWithEpilogue(dtype, true, false));
        }
        int supported = 0;
        for (Map.Entry<String, Function> e : functions.entrySet()) {
            KernelProgram program = Compiled.lower(e.getValue(), InferenceContext.NO_VARIABLES);
            String ptx;
            try {
                ptx = PtxGenerator.generate(program);
            } catch (UnsupportedKernelException x) {
                unsupported.put(e.getKey(), x.getMessage());
                continue;
            }
            // One module for all cases: the header once, entry names made unique per case.
            String entries = ptx.substring(ptx.indexOf(".address_size 64\n") + ".address_size 64\n".length());
            module.append(supported == 0 ? ptx.substring(0, ptx.length() - entries.length()) : "")
                    .append("// case: ").append(e.getKey()).append('\n')
                    .append(entries.replace(".entry k", ".entry c" + supported + "_k"));
            supported++;
        }
        assertTrue(supported >= 160, "only " + supported + " cases compile to PTX; unsupported: " + unsupported);
        Path file = dir.resolve("elementwise.ptx");
        Files.writeString(file, module);
        assemble(file, arch);
        System.out.printf("ptxas -arch=%s: %d cases assembled, %d not supported by the CUDA backend yet%n",
                arch, supported, unsupported.size());
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
