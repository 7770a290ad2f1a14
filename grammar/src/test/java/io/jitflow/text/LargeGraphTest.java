package io.jitflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jitflow.ir.DType;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.TensorType;
import io.jitflow.ir.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large files load: a function of 100,000 nodes and 10 million float weights. The time limit only
 * catches a pathological regression (minutes instead of seconds); the README reports measured times.
 */
class LargeGraphTest {
    @TempDir
    Path dir;

    @Test
    void aHundredThousandNodeFunctionParses() throws Exception {
        StringBuilder text = new StringBuilder("jitflow 1 opset 1\nfunc @chain(%x : float32[batch, 16]) -> (y : float32[batch, 16]) {\n");
        String previous = "%x";
        for (int i = 0; i < 100_000; i++) {
            String op = switch (i % 4) {
                case 0 -> "tanh(" + previous + ")";
                case 1 -> "add(" + previous + ", %x)";
                case 2 -> "mul(" + previous + ", " + previous + ")";
                default -> "relu(" + previous + ")";
            };
            text.append("  %").append(i).append(" = ").append(op).append(" : float32[batch, 16]\n");
            previous = "%" + i;
        }
        text.append("  return ").append(previous).append("\n}\n");
        Path file = dir.resolve("chain.jfg");
        Files.writeString(file, text);
        Graph g = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> GraphFiles.read(file));
        assertEquals(100_000, g.functions().get(0).nodes().size());
    }

    @Test
    void tenMillionFloatsOfWeightsLoad() throws Exception {
        float[] weights = new float[10_000_000];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i * 0.25f;
        }
        Graph g = Graph.of(List.of(new Variable("w", TensorType.of(DType.FLOAT32, 10_000, 1_000),
                HostTensor.of(weights, 10_000, 1_000), true)), List.of());
        Path file = dir.resolve("weights.jfg");
        GraphFiles.write(g, file);
        Graph back = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> GraphFiles.read(file));
        assertEquals(g, back);
    }
}
