package io.jitflow.tests;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import java.util.Random;

/** Seeded random inputs; floats include NaN, infinities and signed zeros now and then. */
final class RandomTensors {
    private static final double[] SPECIAL = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0};

    private RandomTensors() {
    }

    static HostTensor of(DType dtype, int[] shape, Random random, long intMin, long intMax, boolean specials) {
        HostTensor.Writer w = HostTensor.writer(dtype, shape);
        int n = Shape.checkedElementCount(shape);
        for (int i = 0; i < n; i++) {
            switch (dtype.kind()) {
                case BOOL -> w.setBool(i, random.nextBoolean());
                case INTEGER -> {
                    long lo = dtype == DType.UINT8 ? Math.max(0, intMin) : intMin;
                    long hi = dtype == DType.UINT8 ? Math.min(255, intMax) : intMax;
                    w.setLong(i, lo + (long) (random.nextDouble() * (hi - lo + 1)));
                }
                case FLOAT -> w.setDouble(i, specials && random.nextInt(12) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)]
                        : (random.nextDouble() * 6 - 3));
            }
        }
        return w.build();
    }
}
