package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Asking for a CUDA device where none can be used is a clear error, and the CPU keeps working. */
class CudaUnavailableTest {
    @Test
    void withoutADriverOrGpuTheErrorSaysWhyAndTheCpuIsBest() {
        if (Cuda.isAvailable()) {
            assertEquals(Device.cuda(0), Device.best());
            return;
        }
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Device.cuda(0));
        assertEquals("no CUDA device can be used: " + Cuda.unavailableReason(), e.getMessage());
        assertTrue(Cuda.unavailableReason().startsWith("the CUDA driver"), Cuda.unavailableReason());
        assertEquals(Device.cpu(), Device.best());
        assertThrows(CudaUnavailableException.class, () -> Device.parse("cuda:0"));
        assertEquals(6f, Jf.constant(new float[] {1, 2, 3}).sum().floatValue());
    }

    /** In a fresh JVM with CUDA turned off, so that the path is checked on machines with a GPU too. */
    @Test
    void turnedOffTheRequestFailsWithTheReason() throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Djitflow.cuda=off", "-cp", Repository.classPathOf(AskForCuda.class, Device.class, io.jitflow.ir.DType.class,
                org.bytedeco.javacpp.Loader.class, org.bytedeco.cuda.global.cudart.class), AskForCuda.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals("io.jitflow.runtime.cuda.CudaUnavailableException: no CUDA device can be used: CUDA is turned off "
                + "(-Djitflow.cuda=off)\nbest: cpu", out);
    }

    /** Asks for cuda:0 and prints what happens, then the best device. */
    public static final class AskForCuda {
        public static void main(String[] args) {
            try {
                System.out.println("got " + Device.cuda(0));
            } catch (CudaUnavailableException e) {
                System.out.println(e);
            }
            System.out.println("best: " + Device.best());
        }
    }
}
