package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Mnist;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained here, saved, and reloaded in a fresh JVM predicts bit-identically (the new JVM
 * runs with the same settings: same exact mode, same vector width).
 */
class SavedModelFreshJvmTest {
    @TempDir
    Path dir;

    @Test
    void aFreshJvmPredictsBitIdentically() throws Exception {
        Mnist data = Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Jf.setRandomSeed(4);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(32, "relu"), new Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor few = Jf.gather(data.trainImages(), Jf.range(0, 512, 1), 0);
        Tensor labels = Jf.gather(data.trainLabels(), Jf.range(0, 512, 1), 0);
        model.fit(few, labels, FitOptions.epochs(1).verbose(0));
        Path file = dir.resolve("mnist.jfg");
        model.save(file);
        Tensor x = Jf.gather(data.testImages(), Jf.range(0, 100, 1), 0);
        x.writeNpy(dir.resolve("x.npy"));
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Djitflow.exact=" + Boolean.getBoolean("jitflow.exact"),
                "-cp", System.getProperty("java.class.path"),
                PredictFromFile.class.getName(), file.toString(), dir.resolve("x.npy").toString(),
                dir.resolve("y.npy").toString())).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        p.waitFor(120, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), log);
        assertArrayEquals(model.predict(x).toFloatArray(), Jf.readNpy(dir.resolve("y.npy")).toFloatArray(), 0f);
        assertEquals(true, Files.size(dir.resolve("y.npy")) > 0);
    }
}
