package io.jitflow.tests;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.cuda.PtxGenerator;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.kernel.KernelProgram;
import io.jitflow.runtime.Device;
import io.jitflow.runtime.cuda.Cuda;
import io.jitflow.runtime.cuda.CudaDevice;
import io.jitflow.runtime.cuda.CudaExecutable;
import io.jitflow.runtime.cuda.DeviceArray;
import java.util.Map;
import java.util.Random;

/**
 * Drives the CUDA runtime against the fake driver of {@code src/test/c/fake_libcuda.c} (see
 * {@link FakeDriverTest}), printing what it sees: the device, host-device round trips of every
 * dtype, the driver's log for bad PTX, and a program's launches (which the fake logs).
 */
public final class FakeDriverCheck {
    private FakeDriverCheck() {
    }

    public static void main(String[] args) {
        if (!Cuda.isAvailable()) {
            System.out.println("unavailable: " + Cuda.unavailableReason());
            return;
        }
        CudaDevice device = Cuda.device(0);
        System.out.println(device + ", " + device.multiprocessors() + " SMs, " + device.totalMemory() + " bytes, driver "
                + Cuda.driverVersion());
        Random random = new Random(1);
        for (DType dtype : DType.values()) {
            HostTensor value = RandomTensors.of(dtype, new int[] {3, 5}, random, -100, 100, true);
            HostTensor back = DeviceArray.upload(device, value).download();
            System.out.println(dtype + " round trip: " + (back.equals(value) ? "equal" : "DIFFERENT " + back + " vs " + value));
        }
        Tensor t = Jf.constant(new float[] {1, 2, 3}).toDevice(Device.cuda(0));
        System.out.println("tensor on " + t.device() + ", back on the host: " + t.toDevice(Device.cpu()));
        try {
            System.out.println("eager add with a host scalar runs on " + t.add(Jf.constant(1f)).device());
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        try {
            t.add(Jf.constant(new float[] {1, 2, 3}));
        } catch (IllegalArgumentException e) {
            System.out.println(e.getMessage());
        }
        try {
            Device.cuda(1);
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        try {
            device.load("// fake-error\n");
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        KernelProgram program = Compiled.lower(PtxDifferentialTest.integerFloorDiv(), io.jitflow.ir.InferenceContext.NO_VARIABLES);
        io.jitflow.runtime.cuda.CudaCode module = PtxGenerator.module(program);
        try {
            new CudaExecutable(program, new io.jitflow.runtime.cuda.CudaCode(module.ptx().replace(".entry", ".entry renamed_"),
                    module.errors(), module.launches()), device);
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
        }
        CudaExecutable executable = new CudaExecutable(program, module, device);
        try {
            Map<String, HostTensor> out = executable.run(Map.of("x", HostTensor.of(new int[] {7, 8, 9}, 3),
                    "y", HostTensor.of(new int[] {2, 2, 2}, 3)), new VariableStore());
            System.out.println("ran: " + out.get("q").type());
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
