package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.Input;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Same program, same inputs, same bits: whatever HotSpot's tier, in every fresh JVM and with any
 * number of kernel threads. Checked in fresh JVMs on the Vector API path, the default (this test
 * JVM runs in exact mode).
 */
class DeterminismTest {
    @Test
    void aSeededFitGivesOneWeightHashInFreshJvmsWithOneTwoAndFourThreads() throws Exception {
        List<String> hashes = new ArrayList<>();
        for (int threads : new int[] {1, 2, 4}) {
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules", "jdk.incubator.vector", "-Djitflow.exact=false", "-Djitflow.threads=" + threads,
                    "-cp", System.getProperty("java.class.path"), TrainAndHash.class.getName()))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the JVM did not finish");
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("20000 calls, one result\n"), out);
            hashes.add(out.substring(out.lastIndexOf('\n') + 1));
        }
        assertEquals(List.of(hashes.get(0), hashes.get(0), hashes.get(0)), hashes, "1, 2 and 4 threads");
    }

    /**
     * Calls a function 20,000 times (HotSpot recompiles it meanwhile) and says whether its result
     * stayed the same, then trains a small seeded model (tanh, sigmoid, dropout, softmax
     * cross-entropy, Adam) and prints a hash of its weights.
     */
    public static final class TrainAndHash {
        public static void main(String[] args) throws Exception {
            System.out.println(callsUntilTheResultChanges() + " calls, one result");
            System.out.println(trainAndHash());
        }

        /** 20,000, or the first call whose result differed from the first's. */
        static int callsUntilTheResultChanges() {
            // tanh, exp (sigmoid), log1p (softplus), expm1 (elu) and log over rows of 37: whole and masked vectors.
            JitFunction f = Jit.function((Tensor x) -> Jf.tanh(x).add(Jf.sigmoid(x)).add(Jf.softplus(x))
                    .add(Jf.elu(x)).add(Jf.log(Jf.abs(x).add(1e-3f))));
            Tensor x = Jf.randomNormal(new int[] {3, 37}, 0, 3, 11, DType.FLOAT32);
            float[] first = f.call(x).toFloatArray();
            for (int call = 1; call < 20_000; call++) {
                if (!java.util.Arrays.equals(first, f.call(x).toFloatArray())) {
                    return call;
                }
            }
            return 20_000;
        }

        static String trainAndHash() throws Exception {
            Jf.setRandomSeed(5);
            Tensor x = Jf.randomNormal(new int[] {600, 29}, 0, 1, 1, DType.FLOAT32);
            Tensor labels = Jf.argmax(Jf.matmul(x, Jf.randomNormal(new int[] {29, 5}, 0, 1, 2, DType.FLOAT32)), -1);
            Sequential model = new Sequential(new Input(29), new Dense(67, "tanh"), new Dropout(0.2),
                    new Dense(33, "sigmoid"), new Dense(5, "softmax"));
            model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
            model.fit(x, labels, FitOptions.epochs(4).batchSize(50).seed(3).verbose(0));
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Tensor w : model.getWeights()) {
                for (float v : w.toFloatArray()) {
                    sha.update(ByteBuffer.allocate(4).putInt(Float.floatToRawIntBits(v)).array());
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
