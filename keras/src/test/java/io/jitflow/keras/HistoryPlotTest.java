package io.jitflow.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Input;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** History.plot: the SVG parses and holds one curve per logged series, a point per epoch; the PNG decodes. */
class HistoryPlotTest {
    @TempDir
    Path dir;

    private static History trained() {
        Jf.setRandomSeed(2);
        Tensor x = Jf.constant(new float[][] {{0, 1}, {1, 0}, {1, 1}, {2, 1}});
        Tensor y = Jf.constant(new int[] {0, 1, 1, 0});
        Sequential model = new Sequential(new Input(2), new Dense(2, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        return model.fit(x, y, FitOptions.epochs(7).verbose(0).validationData(x, y));
    }

    @Test
    void svgHasACurvePerSeriesWithAPointPerEpoch() throws Exception {
        History h = trained();
        Path svg = dir.resolve("curves.svg");
        h.plot(svg);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(4, lines.getLength(), "loss, val_loss, accuracy, val_accuracy");
        List<Integer> points = new ArrayList<>();
        for (int i = 0; i < lines.getLength(); i++) {
            points.add(lines.item(i).getAttributes().getNamedItem("points").getNodeValue().split(" ").length);
        }
        assertEquals(List.of(7, 7, 7, 7), points);
        assertTrue(lines.item(1).getAttributes().getNamedItem("stroke-dasharray") != null, "validation is dashed");
        String text = doc.getDocumentElement().getTextContent();
        assertTrue(text.contains("loss") && text.contains("accuracy") && text.contains("epoch"), text);
    }

    @Test
    void pngDecodes() throws Exception {
        Path png = dir.resolve("curves.png");
        trained().plot(png);
        BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertNotNull(image, "a PNG the JDK decodes");
        assertEquals(640, image.getWidth());
        assertEquals(480, image.getHeight(), "two panels of 240");
        int colored = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb == 0x1f77b4 || rgb == 0xff7f0e) {
                    colored++;
                }
            }
        }
        assertTrue(colored > 200, "the curves' colors are drawn: " + colored + " pixels");
        IllegalArgumentException pdf = assertThrows(IllegalArgumentException.class,
                () -> trained().plot(dir.resolve("curves.pdf")));
        assertEquals("History.plot writes .svg or .png files, got curves.pdf", pdf.getMessage());
    }
}
