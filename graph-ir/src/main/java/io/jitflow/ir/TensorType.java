package io.jitflow.ir;

/** The static type of a value: its dtype and its shape, e.g. {@code float32[batch, 10]}. */
public record TensorType(DType dtype, Shape shape) {

    public static TensorType of(DType dtype, int... sizes) {
        return new TensorType(dtype, Shape.of(sizes));
    }

    public int rank() {
        return shape.rank();
    }

    public TensorType withShape(Shape newShape) {
        return new TensorType(dtype, newShape);
    }

    public TensorType withDType(DType newDType) {
        return new TensorType(newDType, shape);
    }

    @Override
    public String toString() {
        return dtype.text() + shape;
    }
}
