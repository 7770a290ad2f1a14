package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Dropout;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SaveAndPlotTest {
    @TempDir
    Path dir;

    private static Sequential trained() {
        Jf.setRandomSeed(21);
        Sequential model = new Sequential(new Input(4, 2), new Flatten(), new Dense(16, "relu"), new Dropout(0.2),
                new Dense(3, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.randomUniform(new int[] {64, 4, 2}, -1, 1, 3, DType.FLOAT32);
        Tensor y = Jf.cast(Jf.argmax(Jf.reduceSum(x, 2), 1).cast(DType.FLOAT32).mul(0.7f).floor(), DType.INT32);
        model.fit(x, y, FitOptions.epochs(3).batchSize(16).verbose(0));
        return model;
    }

    @Test
    void aSavedModelPredictsIdenticallyAndKeepsTraining() throws IOException {
        Sequential model = trained();
        Path file = dir.resolve("model.jfg");
        model.save(file);
        assertTrue(Files.readString(file).contains("func @predict(%x : float32[batch, 4, 2]) -> (y : float32[batch, 3])"));
        SavedModel loaded = SavedModel.load(file);
        Tensor x = Jf.randomUniform(new int[] {5, 4, 2}, -1, 1, 9, DType.FLOAT32);
        assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray(), 0f, "bit-identical");
        assertEquals(12L, loaded.variable("Adam/iterations").longValue(), "the optimizer state travels too");
        Tensor labels = Jf.constant(new int[] {0, 1, 2, 0, 1});
        Map<String, Double> before = loaded.evaluate(x, labels);
        for (int i = 0; i < 30; i++) {
            loaded.trainOnBatch(x, labels);
        }
        assertTrue(loaded.evaluate(x, labels).get("loss") < before.get("loss"), "training goes on after loading");
        assertEquals(42L, loaded.variable("Adam/iterations").longValue());
    }

    @Test
    void aModelSavedAsOnnxPredictsTheSameWhenLoaded() throws IOException {
        Sequential model = trained();
        Path file = dir.resolve("model.onnx");
        model.save(file);
        io.jitflow.CompiledGraph loaded = io.jitflow.Jit.load(file);
        Tensor x = Jf.randomUniform(new int[] {5, 4, 2}, -1, 1, 9, DType.FLOAT32);
        assertArrayEquals(model.predict(x).toFloatArray(), loaded.call("main", Map.of("x", x)).get("y").toFloatArray(),
                1e-6f);
    }

    @Test
    void anUntrainedModelSavesForPredictionOnly() throws IOException {
        Sequential model = new Sequential(new Input(3), new Dense(2));
        Path file = dir.resolve("fresh.jfg");
        model.save(file);
        SavedModel loaded = SavedModel.load(file);
        Tensor x = Jf.ones(2, 3);
        assertArrayEquals(model.predict(x).toFloatArray(), loaded.predict(x).toFloatArray(), 0f);
        assertThrows(IllegalStateException.class, () -> loaded.trainOnBatch(x, Jf.ones(2, 2)));
    }

    @Test
    void otherGraphFilesAreNotModels() throws IOException {
        Path file = dir.resolve("other.jfg");
        Files.writeString(file, "jitflow 1 opset 1\nfunc @f(%x : float32[2]) -> (y : float32[2]) {\n  return %x\n}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SavedModel.load(file));
        assertTrue(e.getMessage().contains("is not a saved model: it has no function @predict (functions: f)"),
                e.getMessage());
    }

    @Test
    void plotModelWritesDotWellFormedSvgAndPng() throws Exception {
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(30, "sigmoid"));
        model.plotModel(dir.resolve("m.dot"));
        model.plotModel(dir.resolve("m.svg"));
        String dot = Files.readString(dir.resolve("m.dot"));
        assertTrue(dot.contains("label=\"{input (InputLayer)|output: (None, 28, 28)}\""), dot);
        assertTrue(dot.contains("n1 -> n2;"), dot);
        var svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("m.svg").toFile());
        assertEquals(3, svg.getElementsByTagName("rect").getLength());
        assertTrue(Files.readString(dir.resolve("m.svg")).contains("input: (None, 784)  output: (None, 30)"));
        model.plotModel(dir.resolve("m.png"));
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(dir.resolve("m.png").toFile());
        var root = svg.getDocumentElement();
        assertEquals(Integer.parseInt(root.getAttribute("width")), png.getWidth(), "laid out once, drawn twice");
        assertEquals(Integer.parseInt(root.getAttribute("height")), png.getHeight());
        int boxes = 0;
        boolean inside = false;
        for (int y = 0; y < png.getHeight(); y++) {
            boolean fill = (png.getRGB(28, y) & 0xffffff) == 0xeef3fb;
            boxes += fill && !inside ? 1 : 0;
            inside = fill;
        }
        assertEquals(3, boxes, "a column of three boxes (input, flatten, dense) down the image");
        IllegalArgumentException pdf = assertThrows(IllegalArgumentException.class,
                () -> model.plotModel(dir.resolve("m.pdf")));
        assertEquals("pictures are written as .dot, .svg or .png files, got m.pdf", pdf.getMessage());
    }

    @Test
    void unknownExtensionsAreRefusedByName() {
        Sequential model = trained();
        IllegalArgumentException h5 = assertThrows(IllegalArgumentException.class, () -> model.save(dir.resolve("m.h5")));
        assertEquals("save: 'm.h5' has no extension Jitflow writes; use .jfg or .onnx (a graph file with a weights"
                + " sidecar, or an ONNX model)", h5.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.saveWeights(dir.resolve("w.weights.h5")));
    }

    /** Weights alone go into a model built again (other layer names), by order; a model of another shape is refused. */
    @Test
    void weightsAloneRoundTripByOrder() throws IOException {
        Sequential model = trained();
        Path file = dir.resolve("model.weights.jfg");
        model.saveWeights(file);
        Sequential again = new Sequential(new Input(4, 2), new Flatten(), new Dense(16, "relu"), new Dropout(0.2),
                new Dense(3, "softmax"));
        again.loadWeights(file);
        Tensor x = Jf.randomUniform(new int[] {5, 4, 2}, -1, 1, 9, DType.FLOAT32);
        assertArrayEquals(model.predict(x).toFloatArray(), again.predict(x).toFloatArray(), 0f);
        Sequential other = new Sequential(new Input(4, 2), new Flatten(), new Dense(8, "relu"), new Dense(3));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> other.loadWeights(file));
        assertTrue(shape.getMessage().startsWith("loadWeights: weight 0 of model.weights.jfg"), shape.getMessage());
    }

    @Test
    void aModelWithAnEmbeddingSaves() throws IOException {
        Jf.setRandomSeed(4);
        Sequential model = new Sequential(new Input(3), new io.jitflow.keras.layers.Embedding(10, 4), new Flatten(),
                new Dense(2));
        Tensor ids = Jf.constant(new int[][] {{1, 2, 3}, {9, 0, 4}});
        Tensor before = model.predict(ids);
        Path file = dir.resolve("embedding.jfg");
        model.save(file);
        assertArrayEquals(before.toFloatArray(), SavedModel.load(file).predict(ids.cast(DType.FLOAT32)).toFloatArray(),
                0f);
    }
}
