package io.jitflow.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The peers bench --peers measures against compute what they are said to, and say why when they cannot run. */
class PeersTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void openBlasMultipliesRowMajorMatricesAsWeDo() {
        assumeTrue(OpenBlas.unavailableReason() == null, OpenBlas.unavailableReason());
        int n = 37;
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) Math.sin(i);
            b[i] = (float) Math.cos(3 * i);
        }
        float[] c;
        try (OpenBlas blas = new OpenBlas(n, a, b)) {
            OpenBlas.threads(1);
            blas.sgemm();
            c = blas.result();
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < n; p++) {
                    sum += (double) a[i * n + p] * b[p * n + j];
                }
                assertEquals(sum, c[i * n + j], 1e-4, "c[" + i + ", " + j + "]");
            }
        }
    }

    @Test
    void aNumPyPeerGivesItsFigureOrSaysWhyNot() {
        PythonPeer missing = PythonPeer.run(HOME, Pattern.compile("us ([0-9.]+)"), "no_such_peer.py");
        assertTrue(!missing.ran() && missing.unavailable().startsWith("NumPy peer not run: ")
                && missing.unavailable().endsWith("no_such_peer.py is missing"), missing.unavailable());
        PythonPeer add = PythonPeer.run(HOME, Pattern.compile("us ([0-9.]+)"), "numpy_peers.py", "add");
        assumeTrue(add.ran(), add.unavailable());
        assertTrue(add.value() > 0.01 && add.value() < 100, "microseconds per NumPy add: " + add.value());
        PythonPeer usage = PythonPeer.run(HOME, Pattern.compile("us ([0-9.]+)"), "numpy_peers.py", "frobnicate");
        assertTrue(!usage.ran() && usage.unavailable().startsWith("NumPy peer failed (")
                && usage.unavailable().contains("numpy_peers.py frobnicate): "), usage.unavailable());
    }

    @Test
    void theRoofsAreMeasured() {
        double fma = MachineRoofs.fmaGflops(1);
        double triad = MachineRoofs.triadGigabytesPerSecond(1);
        assertTrue(fma > 1 && fma < 10_000, "FMA GFLOP/s " + fma);
        assertTrue(triad > 0.1 && triad < 10_000, "triad GB/s " + triad);
    }
}
