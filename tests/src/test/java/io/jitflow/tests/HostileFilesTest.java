package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile files and inputs get a clear, located error from the command line: never a crash, a
 * hang, a JVM trace or "this is a bug in Jitflow".
 */
class HostileFilesTest {
    private static final String HEADER = "jitflow 1 opset 1\n";

    @TempDir
    Path dir;

    /** Runs {@code jitflow check} on {@code bytes}; returns what it printed on stderr, which must be a located error. */
    private String refused(byte[] bytes, String expected) throws Exception {
        Path file = dir.resolve("f.jfg");
        Files.write(file, bytes);
        CliTest.Result r = CliTest.jitflow("check", file.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(file + ":"), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("bug in Jitflow"), r.err());
        return r.err();
    }

    private String refused(String text, String expected) throws Exception {
        return refused(text.getBytes(StandardCharsets.UTF_8), expected);
    }

    private static String function(String body, String type) {
        return HEADER + "func @f(%x : float32[2]) -> (y : " + type + ") {\n" + body + "\n}\n";
    }

    @Test
    void textThatIsNotUtf8NamesItsLineColumnAndByte() throws Exception {
        byte[] text = (HEADER + "func @f(%x : float32[2]) -> (y : float32[2]) {\n  return %x# \u00e9\n}\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] bad = text.clone();
        int at = new String(text, StandardCharsets.ISO_8859_1).indexOf('\u00c3');
        bad[at] = (byte) 0xff;
        refused(bad, "f.jfg:3:14: invalid UTF-8: byte 0xff");
        refused((HEADER + "func").getBytes(StandardCharsets.UTF_16), "f.jfg:1:1: invalid UTF-8: byte 0xfe at offset 0 "
                + "(the file is UTF-16; graph files are UTF-8)");
    }

    @Test
    void literalsCannotExpandPastTheirBudget() throws Exception {
        StringBuilder text = new StringBuilder(HEADER);
        for (int i = 0; i < 12; i++) {
            text.append("variable @v").append(i).append(" : float64[4096, 4096] = dense<1.0>\n");
        }
        refused(text.toString(), "f.jfg:4:");
        refused(text.toString(), "they expand to at most 268,435,456 together (put large tensors in a sidecar)");
    }

    @Test
    void sizesThatOverflowAreLocatedErrors() throws Exception {
        refused(function("  %t = tile(%x) {multiples = [2147483647]} : float32[4294967294]\n  return %t", "float32[2]"),
                "f.jfg:3:54: dimension size must be between 0 and 2147483647");
        refused(function("  %t = tile(%x) {multiples = [2147483647]} : float32[2]\n  return %t", "float32[2]"),
                "tile: the attributes give no valid result");
        refused(function("  %p = pad(%x) {paddings = [2147483647, 0]} : float32[2]\n  return %p", "float32[2]"),
                "pad: the attributes give no valid result");
        refused(function("  %p = pad(%x) {paddings = [4294967296, 0]} : float32[2]\n  return %p", "float32[2]"),
                "pad: the attributes give no valid result");
        refused(function("  %c = constant() {value = dense<1.0> : float32[]} : float32[]\n"
                + "  %f = fill(%c) {shape = [-1]} : float32[2]\n  return %f", "float32[2]"), "f.jfg:4:");
        refused(function("  %b = broadcast_to(%x) {shape = [-1, 2]} : float32[2, 2]\n  return %b", "float32[2, 2]"),
                "f.jfg:3:");
        refused(function("  %i = constant() {value = dense<[0, 1]> : int32[2]} : int32[2]\n"
                + "  %o = one_hot(%i) {depth = 2147483647} : float32[2, 2147483647]\n  return %x", "float32[2]"),
                "more elements than a tensor can hold");
        refused(HEADER + "func @f(%x : float32[65536, 65536, 65536, 65536]) -> (y : float32[0]) {\n"
                + "  %r = reshape(%x) {shape = [0]} : float32[0]\n  return %r\n}\n",
                "f.jfg:2:14: shape [65536, 65536, 65536, 65536] has more elements than a tensor can hold");
    }

    @Test
    void hexLiteralsLongerThanTheirTypeAreRefused() throws Exception {
        refused(HEADER + "variable @v : float64[] = dense<0x1234567890abcdef12>\n", "has more bits than float64");
        refused(HEADER + "variable @v : float32[100] = external<\"w.jfw\", offset = 0x10000000000000000, length = 400, "
                + "crc32 = 0x0>\n", "hex literal 0x10000000000000000 does not fit in 64 bits");
    }

    @Test
    void sidecarNamesAndFilesAreChecked() throws Exception {
        String nul = refused(HEADER + "variable @v : float32[100] = external<\"w\u0000.jfw\", offset = 0, length = 400, "
                + "crc32 = 0x0>\n", "must be a plain file name");
        assertTrue(nul.contains("w\\u0000.jfw"), nul);
        Path secret = Files.write(dir.getParent().resolve(dir.getFileName() + "-secret"), new byte[400]);
        try {
            Files.createSymbolicLink(dir.resolve("w.jfw"), secret);
        } catch (UnsupportedOperationException | java.io.IOException e) {
            Assumptions.abort("symbolic links: " + e);
        }
        refused(HEADER + "variable @v : float32[100] = external<\"w.jfw\", offset = 0, length = 400, crc32 = 0x1>\n",
                "\"w.jfw\" is a symbolic link");
        Files.delete(dir.resolve("w.jfw"));
        Files.write(dir.resolve("w.jfw"), new byte[400]);
        String crc = refused(HEADER + "variable @v : float32[100] = external<\"w.jfw\", offset = 0, length = 400, "
                + "crc32 = 0x1>\n", "checksum mismatch in \"w.jfw\" at offset 0: the data does not match");
        assertFalse(crc.matches("(?s).*0x(?!00000001)[0-9a-f]{8}.*"), "the data's own checksum is not printed: " + crc);
        Files.delete(secret);
    }

    @Test
    void aHugeIdentifierIsNotEchoedWhole() throws Exception {
        String huge = "a".repeat(10_000_000);
        String err = refused(function("  return %" + huge, "float32[2]"), "use of undefined value %aaaa");
        assertTrue(err.length() < 1000, "printed " + err.length() + " characters");
        assertTrue(err.contains("more characters)"), err);
    }

    @Test
    void fileSystemErrorsSayWhatWentWrong() throws Exception {
        CliTest.Result directory = CliTest.jitflow("check", dir.toString());
        assertEquals(1, directory.code());
        assertTrue(directory.err().contains(dir + ": not a regular file"), directory.err());
        Path model = Files.writeString(dir.resolve("m.jfg"), function("  return %x", "float32[2]"));
        Path notADir = Files.writeString(dir.resolve("file"), "");
        Path x = dir.resolve("x.npy");
        io.jitflow.ir.npy.Npy.write(io.jitflow.ir.HostTensor.of(new float[] {1, 2}, 2), x);
        CliTest.Result out = CliTest.jitflow("run", model.toString(), "--input", "x=" + x, "--output-dir", notADir.toString());
        assertEquals(1, out.code());
        assertTrue(out.err().contains(notADir + ": already exists"), out.err());
    }

    @Test
    void runningOutOfMemorySaysHowMuchWasAskedForAndHowToGiveMore() throws Exception {
        Path file = Files.writeString(dir.resolve("big.jfg"), HEADER + "variable @v : float32[4096, 4096] = dense<1.0>\n");
        Process p = new ProcessBuilder(java.util.List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx32m", "-cp", System.getProperty("java.class.path"), io.jitflow.cli.Jitflow.class.getName(), "check",
                file.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.contains("jitflow check: error: out of memory (a float32 tensor of 16,777,216 elements needs "
                + "67,108,864 bytes) with a heap of at most "), out);
        assertTrue(out.contains("give it more with JITFLOW_JAVA_OPTS=-Xmx"), out);
        assertFalse(out.contains("\tat "), "no JVM trace: " + out);
    }

    @Test
    void aFifoAsAnInputIsRefusedInsteadOfWaitedOn() throws Exception {
        Path fifo = dir.resolve("x.npy");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("no mkfifo: " + e.getMessage());
            return;
        }
        Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        Path model = Files.writeString(dir.resolve("m.jfg"), function("  return %x", "float32[2]"));
        CliTest.Result r = CliTest.jitflow("run", model.toString(), "--input", "x=" + fifo, "--output-dir",
                dir.resolve("out").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(fifo + ": not a regular file"), r.err());
    }
}
