package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.bench.OnnxRuntimeSession;
import io.jitflow.data.Mnist;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.GraphLayer;
import io.jitflow.keras.layers.Input;
import io.jitflow.onnx.Onnx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning an imported model: an MLP trained and exported here comes back from ONNX with its
 * last layer trainable, that layer is reset and retrained on MNIST digits by Keras's fit while the
 * rest stays frozen, and the tuned model, exported again, runs in ONNX Runtime with the same results.
 */
class OnnxFineTuneTest {
    @TempDir
    Path dir;

    private static Tensor first(Tensor t, int n) {
        return Jf.gather(t, Jf.range(0, n, 1), 0);
    }

    @Test
    void retrainTheLastLayerOfAnImportedMlpAndExportItAgain() throws Exception {
        Mnist data = Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Tensor x = first(data.trainImages(), 2000);
        Tensor y = first(data.trainLabels(), 2000);
        Tensor testX = first(data.testImages(), 1000);
        Tensor testY = first(data.testLabels(), 1000);
        Jf.setRandomSeed(7);
        Dense head = new Dense(10, "softmax");
        Sequential original = new Sequential(new Input(28, 28), new Flatten(), new Dense(64, "relu"), head);
        original.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        original.fit(x, y, FitOptions.epochs(2).verbose(0));
        double originalAccuracy = original.evaluate(testX, testY).get("accuracy");
        Path exported = dir.resolve("mlp.onnx");
        original.save(exported);

        List<String> headWeights = Onnx.initializers(exported).stream().filter(n -> n.contains(head.name() + "/")).toList();
        assertEquals(2, headWeights.size(), "kernel and bias of " + head.name() + " in " + Onnx.initializers(exported));
        Graph imported = Onnx.read(exported, headWeights::contains);
        GraphLayer layer = new GraphLayer(imported);
        Sequential tuned = new Sequential(new Input(28, 28), layer);
        tuned.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        assertArrayEquals(original.predict(testX).toFloatArray(), tuned.predict(testX).toFloatArray(), 1e-6f,
                "imported as it was exported");
        assertEquals(2, layer.trainableWeights().size());
        layer.setWeights(layer.getWeights().stream().map(Jf::zerosLike).toList());
        double resetAccuracy = tuned.evaluate(testX, testY).get("accuracy");
        tuned.fit(x, y, FitOptions.epochs(3).verbose(0));
        double tunedAccuracy = tuned.evaluate(testX, testY).get("accuracy");
        System.out.printf("fine-tune: exported %.3f, head reset %.3f, head retrained %.3f%n", originalAccuracy,
                resetAccuracy, tunedAccuracy);
        assertTrue(resetAccuracy < 0.2, "a zero head predicts one class: " + resetAccuracy);
        assertTrue(tunedAccuracy > 0.8 && tunedAccuracy > originalAccuracy - 0.03,
                "retrained head: " + tunedAccuracy + ", exported model: " + originalAccuracy);

        Path again = dir.resolve("tuned.onnx");
        tuned.save(again);
        String input = Onnx.read(again).functions().get(0).inputs().get(0).name();
        Map<String, HostTensor> ort = OnnxRuntimeSession.run(again, Map.of(input, testX.toHostTensor()));
        assertEquals(1, ort.size());
        assertArrayEquals(tuned.predict(testX).toFloatArray(), ort.values().iterator().next().toFloatArray(), 1e-5f,
                "ONNX Runtime runs the tuned model as Jitflow does");
    }
}
