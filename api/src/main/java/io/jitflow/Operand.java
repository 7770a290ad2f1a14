package io.jitflow;

import io.jitflow.ir.DType;

/**
 * Anything an op accepts: a {@link Tensor}, or a {@link Variable} (read when used). The methods
 * here are the op set in method form, so {@code x.matmul(w).add(b).relu()} reads left to right;
 * each is the {@link Jf} function of the same name.
 */
public interface Operand {
    /** The value as a tensor (a variable's current value). */
    Tensor asTensor();

    default Tensor add(Operand other) {
        return Jf.add(this, other);
    }

    default Tensor add(double other) {
        return Jf.add(this, other);
    }

    default Tensor sub(Operand other) {
        return Jf.sub(this, other);
    }

    default Tensor sub(double other) {
        return Jf.sub(this, other);
    }

    default Tensor mul(Operand other) {
        return Jf.mul(this, other);
    }

    default Tensor mul(double other) {
        return Jf.mul(this, other);
    }

    default Tensor div(Operand other) {
        return Jf.div(this, other);
    }

    default Tensor div(double other) {
        return Jf.div(this, other);
    }

    default Tensor floorDiv(Operand other) {
        return Jf.floorDiv(this, other);
    }

    default Tensor mod(Operand other) {
        return Jf.mod(this, other);
    }

    default Tensor pow(Operand other) {
        return Jf.pow(this, other);
    }

    default Tensor pow(double other) {
        return Jf.pow(this, other);
    }

    default Tensor maximum(Operand other) {
        return Jf.maximum(this, other);
    }

    default Tensor minimum(Operand other) {
        return Jf.minimum(this, other);
    }

    default Tensor neg() {
        return Jf.neg(this);
    }

    default Tensor abs() {
        return Jf.abs(this);
    }

    default Tensor exp() {
        return Jf.exp(this);
    }

    default Tensor log() {
        return Jf.log(this);
    }

    default Tensor sqrt() {
        return Jf.sqrt(this);
    }

    default Tensor square() {
        return Jf.square(this);
    }

    default Tensor tanh() {
        return Jf.tanh(this);
    }

    default Tensor sigmoid() {
        return Jf.sigmoid(this);
    }

    default Tensor relu() {
        return Jf.relu(this);
    }

    default Tensor cast(DType dtype) {
        return Jf.cast(this, dtype);
    }

    default Tensor equal(Operand other) {
        return Jf.equal(this, other);
    }

    default Tensor less(Operand other) {
        return Jf.less(this, other);
    }

    default Tensor greater(Operand other) {
        return Jf.greater(this, other);
    }

    default Tensor matmul(Operand other) {
        return Jf.matmul(this, other);
    }

    default Tensor reshape(int... shape) {
        return Jf.reshape(this, shape);
    }

    default Tensor transpose(int... perm) {
        return Jf.transpose(this, perm);
    }

    /** NumPy-style indexing, e.g. {@code x.slice(":, 1:3, None")}. */
    default Tensor slice(String index) {
        return Jf.slice(this, index);
    }

    default Tensor get(Index... index) {
        return Jf.get(this, index);
    }

    default Tensor sum(int... axes) {
        return Jf.reduceSum(this, axes);
    }

    default Tensor mean(int... axes) {
        return Jf.reduceMean(this, axes);
    }

    default Tensor max(int... axes) {
        return Jf.reduceMax(this, axes);
    }

    default Tensor min(int... axes) {
        return Jf.reduceMin(this, axes);
    }

    default Tensor argmax(int axis) {
        return Jf.argmax(this, axis);
    }

    default Tensor softmax() {
        return Jf.softmax(this);
    }

    default Tensor sign() {
        return Jf.sign(this);
    }

    default Tensor expm1() {
        return Jf.expm1(this);
    }

    default Tensor log1p() {
        return Jf.log1p(this);
    }

    default Tensor rsqrt() {
        return Jf.rsqrt(this);
    }

    default Tensor reciprocal() {
        return Jf.reciprocal(this);
    }

    default Tensor sin() {
        return Jf.sin(this);
    }

    default Tensor cos() {
        return Jf.cos(this);
    }

    default Tensor softplus() {
        return Jf.softplus(this);
    }

    default Tensor elu() {
        return Jf.elu(this);
    }

    default Tensor selu() {
        return Jf.selu(this);
    }

    default Tensor erf() {
        return Jf.erf(this);
    }

    default Tensor floor() {
        return Jf.floor(this);
    }

    default Tensor ceil() {
        return Jf.ceil(this);
    }

    default Tensor round() {
        return Jf.round(this);
    }

    default Tensor isNan() {
        return Jf.isNan(this);
    }

    default Tensor isFinite() {
        return Jf.isFinite(this);
    }

    default Tensor logicalNot() {
        return Jf.logicalNot(this);
    }

    default Tensor notEqual(Operand other) {
        return Jf.notEqual(this, other);
    }

    default Tensor lessEqual(Operand other) {
        return Jf.lessEqual(this, other);
    }

    default Tensor greaterEqual(Operand other) {
        return Jf.greaterEqual(this, other);
    }

    default Tensor logicalAnd(Operand other) {
        return Jf.logicalAnd(this, other);
    }

    default Tensor logicalOr(Operand other) {
        return Jf.logicalOr(this, other);
    }

    default Tensor logicalXor(Operand other) {
        return Jf.logicalXor(this, other);
    }

    default Tensor argmin(int axis) {
        return Jf.argmin(this, axis);
    }

    default Tensor prod(int... axes) {
        return Jf.reduceProd(this, axes);
    }

    default Tensor any(int... axes) {
        return Jf.reduceAny(this, axes);
    }

    default Tensor all(int... axes) {
        return Jf.reduceAll(this, axes);
    }

    default Tensor logSoftmax() {
        return Jf.logSoftmax(this);
    }

    default Tensor expandDims(int axis) {
        return Jf.expandDims(this, axis);
    }

    default Tensor squeeze(int... axes) {
        return Jf.squeeze(this, axes);
    }

    default Tensor broadcastTo(int... shape) {
        return Jf.broadcastTo(this, shape);
    }

    default Tensor clip(double min, double max) {
        return Jf.clip(this, min, max);
    }

    default Tensor tile(int... multiples) {
        return Jf.tile(this, multiples);
    }

    default Tensor gather(Operand indices, int axis) {
        return Jf.gather(this, indices, axis);
    }
}
