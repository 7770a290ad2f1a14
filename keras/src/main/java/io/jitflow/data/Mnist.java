package io.jitflow.data;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import java.io.IOException;
import java.nio.file.Path;

/**
 * MNIST-style digits from a folder of the four standard IDX files: images as float32 in [0, 1]
 * (28x28), labels as int32.
 */
public record Mnist(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels) {

    public static Mnist load(Path dir) throws IOException {
        return new Mnist(images(dir.resolve("train-images-idx3-ubyte.gz")), labels(dir.resolve("train-labels-idx1-ubyte.gz")),
                images(dir.resolve("t10k-images-idx3-ubyte.gz")), labels(dir.resolve("t10k-labels-idx1-ubyte.gz")));
    }

    private static Tensor images(Path file) throws IOException {
        return Jf.cast(Tensor.of(Idx.read(file)), DType.FLOAT32).div(255f);
    }

    private static Tensor labels(Path file) throws IOException {
        return Jf.cast(Tensor.of(Idx.read(file)), DType.INT32);
    }
}
