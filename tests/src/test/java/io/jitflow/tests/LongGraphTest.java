package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.npy.Npy;
import io.jitflow.passes.fusion.KernelLowering;
import io.jitflow.text.GraphParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long graphs compile on a small stack: fusion cuts long chains into kernels of at most
 * {@link KernelLowering#MAX_FUSED_OPS} ops, and no walk recurses over a whole graph. Each check runs
 * on a thread with a 512 KiB stack (half the JVM's default) and matches the reference interpreter.
 */
class LongGraphTest {
    private static final int STACK = 512 * 1024;

    @TempDir
    Path dir;

    /** A chain of single-use elementwise ops (they all fuse) over x: float32[4, 37]. */
    private static String chain(int length) {
        StringBuilder text = new StringBuilder("jitflow 1 opset 1\nfunc @chain(%x : float32[4, 37]) -> (y : float32[4, 37]) {\n"
                + "  %half = constant() {value = dense<0.5> : float32[]} : float32[]\n");
        String previous = "%x";
        for (int i = 0; i < length; i++) {
            String op = switch (i % 4) {
                case 0 -> "tanh(" + previous + ")";
                case 1 -> "add(" + previous + ", %x)";
                case 2 -> "mul(" + previous + ", %half)";
                default -> "sigmoid(" + previous + ")";
            };
            text.append("  %").append(i).append(" = ").append(op).append(" : float32[4, 37]\n");
            previous = "%" + i;
        }
        return text.append("  return ").append(previous).append("\n}\n").toString();
    }

    /** The same chain traced from Java. */
    private static Tensor chain(Tensor x, int length) {
        Tensor y = x;
        for (int i = 0; i < length; i++) {
            y = switch (i % 4) {
                case 0 -> Jf.tanh(y);
                case 1 -> y.add(x);
                case 2 -> y.mul(0.5f);
                default -> Jf.sigmoid(y);
            };
        }
        return y;
    }

    private static HostTensor input() {
        return Jf.randomNormal(new int[] {4, 37}, 0, 1, 3, DType.FLOAT32).toHostTensor();
    }

    /** Runs {@code task} on a thread with a small stack, passing on what it throws. */
    private static void onSmallStack(ThrowingRunnable task) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                task.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", STACK);
        t.start();
        t.join();
        if (failure.get() instanceof Exception e) {
            throw e;
        } else if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aChainOfTenThousandOpsRunsCompilesAndTraces() throws Exception {
        runsCompilesAndTraces(10_000);
    }

    @Test
    void aHundredThousandNodeGraphRunsCompilesAndTraces() throws Exception {
        runsCompilesAndTraces(100_000);
    }

    /** A chain of {@code length} ops through `jitflow run`, `compile` and `exec`, and Jit.function, against the interpreter. */
    private void runsCompilesAndTraces(int length) throws Exception {
        Path file = dir.resolve("chain.jfg");
        Files.writeString(file, chain(length));
        HostTensor x = input();
        Npy.write(x, dir.resolve("x.npy"));
        Graph graph = GraphParser.parse(chain(length), "chain.jfg");
        float[] expected = (float[]) Interpreter.run(graph.functions().get(0), Map.of("x", x), new VariableStore())
                .get("y").storage();
        onSmallStack(() -> {
            CliTest.Result run = CliTest.jitflow("run", file.toString(), "--input", "x=" + dir.resolve("x.npy"),
                    "--output-dir", dir.resolve("run").toString());
            assertEquals(0, run.code(), run.err());
            assertArrayEquals(expected, (float[]) Npy.read(dir.resolve("run/y.npy")).storage());
            CliTest.Result compile = CliTest.jitflow("compile", file.toString(), "-o", dir.resolve("chain.jar").toString());
            assertEquals(0, compile.code(), compile.err());
            CliTest.Result exec = CliTest.jitflow("exec", dir.resolve("chain.jar").toString(), "--input",
                    "x=" + dir.resolve("x.npy"), "--output-dir", dir.resolve("exec").toString());
            assertEquals(0, exec.code(), exec.err());
            assertArrayEquals(expected, (float[]) Npy.read(dir.resolve("exec/y.npy")).storage());
            JitFunction traced = Jit.function((Tensor t) -> chain(t, length));
            assertArrayEquals(expected, traced.call(Tensor.of(x)).toFloatArray());
            assertTrue(traced.kernelCount(Tensor.of(x)) >= length / KernelLowering.MAX_FUSED_OPS,
                    "the chain is cut into kernels of at most " + KernelLowering.MAX_FUSED_OPS + " ops");
        });
    }
}
