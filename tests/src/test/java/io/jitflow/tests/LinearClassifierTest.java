package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.examples.LinearClassifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The lectures' linear classifier from scratch, trained eagerly with GradientTape. */
class LinearClassifierTest {
    @Test
    void fortyStepsSeparateTheTwoClouds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LinearClassifier.Result r = LinearClassifier.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(r.loss() < 0.05f, "final loss " + r.loss());
        assertTrue(r.accuracy() > 0.97f, "training accuracy " + r.accuracy());
        assertEquals(40, out.lines().filter(l -> l.startsWith("Loss at step ")).count());
        assertTrue(out.contains("Learned line: y = "), out);
        assertTrue(r.w1() > 0 && r.w2() < 0, "the positive cloud lies at large x, the negative at large y");
    }
}
