package io.jitflow.runtime.cuda;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;

/** A tensor value in device memory: dtype, shape, and the memory holding its elements in row-major order. */
public record DeviceArray(DType dtype, int[] shape, DeviceMemory memory) {
    /** Copies a host value to {@code device}. */
    public static DeviceArray upload(CudaDevice device, HostTensor value) {
        DeviceMemory memory = device.allocate((long) value.size() * value.dtype().byteSize());
        memory.upload(value.dtype(), value.storage());
        return new DeviceArray(value.dtype(), value.shape(), memory);
    }

    public CudaDevice device() {
        return memory.device();
    }

    public int size() {
        return Shape.checkedElementCount(shape);
    }

    /** Copies the value back to the host. */
    public HostTensor download() {
        return HostTensor.wrap(dtype, shape.clone(), memory.download(dtype, size()));
    }
}
