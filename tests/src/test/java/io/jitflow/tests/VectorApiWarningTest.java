package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM without jdk.incubator.vector still computes, and says once how to add the module. */
class VectorApiWarningTest {
    private static String run(boolean vectorApi) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (vectorApi) {
            command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DoubleOnce.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        return log;
    }

    @Test
    void withoutTheVectorApiAWarningNamesTheFlag() throws Exception {
        String without = run(false);
        assertTrue(without.contains("result 3.0"), without);
        assertTrue(without.contains("jdk.incubator.vector is not on the module path")
                && without.contains("--add-modules jdk.incubator.vector") && without.contains("argLine"), without);
        assertEquals(1, without.split("is not on the module path", -1).length - 1, "warned once: " + without);
        String with = run(true);
        assertTrue(with.contains("result 3.0"), with);
        assertFalse(with.contains("is not on the module path"), with);
    }
}
