package io.jitflow.keras.metrics;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.List;

/** Helpers the built-in metrics share: float64 counts, binary decisions, safe division. */
final class Counts {
    private Counts() {
    }

    static HostTensor zero() {
        return HostTensor.scalar(DType.FLOAT64, 0);
    }

    static List<HostTensor> zeros(int n) {
        return java.util.Collections.nCopies(n, zero());
    }

    /** The number of true elements, as float64. */
    static Tensor count(Tensor condition) {
        return Jf.reduceSum(condition.cast(DType.FLOAT64));
    }

    /** Every element of {@code t} above {@code threshold}, flattened. */
    static Tensor above(Tensor t, double threshold) {
        return Jf.reshape(t.greater(Jf.fill(t.dtype(), threshold)), -1);
    }

    /** a / b, 0 where b is 0 (Keras's divide_no_nan). */
    static Tensor divide(Tensor a, Tensor b) {
        Tensor zero = Jf.zerosLike(b);
        Tensor safe = Jf.where(Jf.equal(b, zero), Jf.onesLike(b), b);
        return Jf.where(Jf.equal(b, zero), zero, a.div(safe));
    }
}
