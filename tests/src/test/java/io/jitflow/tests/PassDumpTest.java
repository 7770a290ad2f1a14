package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.ir.Graph;
import io.jitflow.passes.PassManager;
import io.jitflow.text.GraphParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pass manager dumps real IR: the text format, which parses back. */
class PassDumpTest {
    @Test
    void dumpsAfterANamedPassInTheTextFormat() {
        Graph g = GraphParser.parse("""
                jitflow 1 opset 1
                func @f(%x : float32[2]) -> (y : float32[2]) {
                  %z = constant() {value = dense<0.0> : float32[]} : float32[]
                  %a = add(%x, %z) : float32[2]
                  %unused = neg(%x) : float32[2]
                  return %a
                }
                """, "f.jfg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new PassManager(PassManager.defaultPasses()).dumpAfter(Set.of("dce"),
                new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(g);
        String dump = bytes.toString(StandardCharsets.UTF_8);
        assertEquals("""
                # after dce
                func @f(%x : float32[2]) -> (y : float32[2]) {
                  %z = constant() {value = dense<0.0> : float32[]} : float32[]
                  %a = add(%x, %z) : float32[2]
                  return %a
                }
                """, dump, "the unused neg is gone; x + 0.0 stays (it is -0.0 + 0.0 = 0.0 for x = -0.0)");
        GraphParser.parse("jitflow 1 opset 1\n" + dump, "dump.jfg");
    }
}
