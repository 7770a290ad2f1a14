package io.jitflow.ir.ops;

/**
 * A number as the unevaluated sum of two doubles, hi + lo with |lo| <= ulp(hi) / 2: about 106
 * bits, enough for the reference's error function to round correctly after cancellations that
 * would cost a double most of its bits. The operations are the classic error-free transformations
 * (Knuth's two-sum, the fused multiply-add's exact product).
 */
record DoubleDouble(double hi, double lo) {
    static final DoubleDouble ONE = of(1);
    static final DoubleDouble LN2 = new DoubleDouble(0.6931471805599453, 2.3190468138462996e-17);

    static DoubleDouble of(double x) {
        return new DoubleDouble(x, 0);
    }

    /** hi + lo for |hi| >= |lo|, renormalized. */
    private static DoubleDouble fastTwoSum(double hi, double lo) {
        double s = hi + lo;
        return new DoubleDouble(s, lo - (s - hi));
    }

    DoubleDouble add(DoubleDouble y) {
        double s = hi + y.hi;
        double v = s - hi;
        double e = (hi - (s - v)) + (y.hi - v);
        return fastTwoSum(s, e + lo + y.lo);
    }

    DoubleDouble negate() {
        return new DoubleDouble(-hi, -lo);
    }

    DoubleDouble subtract(DoubleDouble y) {
        return add(y.negate());
    }

    DoubleDouble multiply(DoubleDouble y) {
        double p = hi * y.hi;
        double e = Math.fma(hi, y.hi, -p);
        return fastTwoSum(p, e + (hi * y.lo + lo * y.hi));
    }

    DoubleDouble multiply(double y) {
        return multiply(of(y));
    }

    DoubleDouble divide(DoubleDouble y) {
        double q1 = hi / y.hi;
        DoubleDouble r = subtract(y.multiply(q1));
        double q2 = r.hi / y.hi;
        r = r.subtract(y.multiply(q2));
        double q3 = r.hi / y.hi;
        return fastTwoSum(q1, q2).add(of(q3));
    }

    /**
     * e^this * factor: this = k ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series; 2^k is
     * applied last, so a result near the bottom of the double range loses nothing to an
     * intermediate underflow.
     */
    DoubleDouble expTimes(DoubleDouble factor) {
        if (hi < -2000) {
            return of(0);
        }
        double k = Math.rint(hi / LN2.hi);
        DoubleDouble r = subtract(LN2.multiply(k));
        DoubleDouble sum = ONE;
        DoubleDouble term = ONE;
        for (int n = 1; n < 40 && Math.abs(term.hi) > 1e-36; n++) {
            term = term.multiply(r).divide(of(n));
            sum = sum.add(term);
        }
        sum = sum.multiply(factor);
        if (Math.abs(Math.scalb(sum.hi, (int) k)) < Math.scalb(Double.MIN_NORMAL, 54)) {
            // Near the bottom of the range the low part (or the result) would be subnormal and lose
            // bits before the final rounding: the exact sum * 2^k, rounded once, instead.
            java.math.BigDecimal power = java.math.BigDecimal.ONE.divide(java.math.BigDecimal.valueOf(2).pow((int) -k));
            return of(new java.math.BigDecimal(sum.hi).add(new java.math.BigDecimal(sum.lo)).multiply(power).doubleValue());
        }
        // Two steps, so that 2^k itself never overflows or underflows on the way.
        int half = (int) k / 2;
        DoubleDouble scaled = sum.scale(half);
        return new DoubleDouble(Math.scalb(scaled.hi, (int) k - half), 0).add(of(Math.scalb(scaled.lo, (int) k - half)));
    }

    private DoubleDouble scale(int exponent) {
        return new DoubleDouble(Math.scalb(hi, exponent), Math.scalb(lo, exponent));
    }

    /** The nearest double. */
    double value() {
        return hi + lo;
    }
}
