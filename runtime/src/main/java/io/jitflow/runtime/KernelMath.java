package io.jitflow.runtime;

/**
 * The float64 error function and normal distribution function that generated CPU code calls:
 * the runtime's own routines, written apart from the reference interpreter's so that the
 * differential tests compare two implementations (and both are checked against 50-digit values).
 *
 * <p>Both are evaluated in double-double arithmetic (a value is an unevaluated sum hi + lo, about
 * 106 bits) and rounded once at the end, so they are correctly rounded but for results closer to a
 * rounding boundary than about 2^-100 of an ulp. erf uses one series for every |x| below 6, all of
 * its terms positive: erf(x) = 2/sqrt(pi) e^(-x^2) sum_n x (2x^2)^n / (1 3 5 ... (2n+1)). The
 * normal distribution function Phi(x) = erfc(-x / sqrt 2) / 2 uses that series where erfc is not
 * small, and in the lower tail Laplace's continued fraction for erfc, evaluated front to back
 * (Lentz's method), its exponential's power of two applied only in the final rounding so that
 * results down to the smallest subnormal keep their bits.
 */
public final class KernelMath {
    // Constants as hi + lo pairs, from 50-digit values: hi the nearest double, lo the nearest to the rest.
    private static final double SQRT_PI_HI = 1.772453850905516;
    private static final double SQRT_PI_LO = -7.666586499825799e-17;
    private static final double LN2_HI = 0.6931471805599453;
    private static final double LN2_LO = 2.3190468138462996e-17;
    private static final double INV_SQRT2_HI = 0.7071067811865476;
    private static final double INV_SQRT2_LO = -4.833646656726457e-17;

    private KernelMath() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x) || x == 0) {
            return x; // erf(-0) = -0
        }
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.copySign(1, x); // 1 - erf(6) < 2^-55
        }
        Dd e = positiveSeries(new Dd(a, 0));
        return Math.copySign(e.hi + e.lo, x);
    }

    /** Phi(x), the standard normal distribution function, accurate in its lower tail. */
    public static double normalCdf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? 1 : 0;
        }
        Dd z = new Dd(-x, 0).times(new Dd(INV_SQRT2_HI, INV_SQRT2_LO)); // erfc's argument
        if (z.hi <= 0) {
            if (z.hi < -6) {
                return 1;
            }
            Dd e = positiveSeries(z.negate());
            return Dd.of(1).plus(e).times(0.5).value();
        }
        if (z.hi < 2) {
            return Dd.of(1).plus(positiveSeries(z).negate()).times(0.5).value();
        }
        if (z.hi > 28) {
            return 0; // erfc(28) / 2 is below the smallest subnormal
        }
        return lowerTail(z);
    }

    /** erf(z) for 0 < z < 6 by the series of positive terms. */
    private static Dd positiveSeries(Dd z) {
        Dd square = z.times(z);
        Dd ratio = square.times(2);
        Dd term = z;
        Dd sum = z;
        for (int n = 1; n < 400; n++) {
            term = term.times(ratio).over(2 * n + 1);
            sum = sum.plus(term);
            if (term.hi < 1e-34 * sum.hi) {
                break;
            }
        }
        // 2/sqrt(pi) e^(-z^2) sum, with e^(-z^2) = 2^k e^r
        int k = (int) Math.rint(-square.hi / LN2_HI);
        Dd r = square.negate().plus(new Dd(LN2_HI, LN2_LO).times(-k));
        Dd result = exp(r).times(sum).times(2).over(new Dd(SQRT_PI_HI, SQRT_PI_LO));
        return new Dd(Math.scalb(result.hi, k), Math.scalb(result.lo, k)); // |k| <= 52: exact
    }

    /**
     * erfc(z) / 2 for z >= 2: e^(-z^2) / sqrt(pi) / (z + (1/2) / (z + (2/2) / (z + ...))), the
     * fraction evaluated by Lentz's method, e^(-z^2) as 2^k e^r with 2^k applied in the rounding.
     */
    private static double lowerTail(Dd z) {
        Dd tiny = Dd.of(1e-300);
        Dd f = z;
        Dd c = z;
        Dd d = Dd.of(0);
        for (int j = 1; j < 2000; j++) {
            Dd a = Dd.of(j / 2.0);
            d = z.plus(a.times(d));
            c = z.plus(a.over(c));
            if (Math.abs(d.hi) < 1e-300) {
                d = tiny;
            }
            d = Dd.of(1).over(d);
            Dd delta = c.times(d);
            f = f.times(delta);
            if (Math.abs(delta.hi - 1) + Math.abs(delta.lo) < 1e-33) {
                break;
            }
        }
        Dd square = z.times(z);
        int k = (int) Math.rint(-square.hi / LN2_HI);
        Dd r = square.negate().plus(new Dd(LN2_HI, LN2_LO).times(-k));
        Dd mantissa = exp(r).over(f).over(new Dd(SQRT_PI_HI, SQRT_PI_LO)).times(0.5);
        return scaleRounded(mantissa, k);
    }

    /** e^r for |r| <= ln2 / 2: the Taylor series of e^(r / 8), then cubed by squaring three times. */
    private static Dd exp(Dd r) {
        Dd s = r.times(0.125);
        Dd term = Dd.of(1);
        Dd sum = Dd.of(1);
        for (int n = 1; n < 30; n++) {
            term = term.times(s).over(n);
            sum = sum.plus(term);
            if (Math.abs(term.hi) < 1e-36) {
                break;
            }
        }
        for (int i = 0; i < 3; i++) {
            sum = sum.times(sum);
        }
        return sum;
    }

    /** (hi + lo) * 2^k rounded once to the nearest double, subnormal results included. */
    static double scaleRounded(Dd m, int k) {
        double h = Math.scalb(m.hi, k);
        if (Math.abs(h) >= Double.MIN_NORMAL || h == 0 && m.hi == 0) {
            return Math.scalb(m.hi + m.lo, k);
        }
        // h is hi rounded to the subnormal grid; what it dropped and lo decide whether it moves a step.
        double back = Math.scalb(h, -k);
        double residual = (m.hi - back) + m.lo;
        double half = Math.scalb(Double.MIN_VALUE, -k) / 2;
        if (residual > half || residual == half && (Double.doubleToRawLongBits(h) & 1) != 0) {
            return Math.nextUp(h);
        }
        if (-residual > half || -residual == half && (Double.doubleToRawLongBits(h) & 1) != 0) {
            return Math.nextDown(h);
        }
        return h;
    }

    /** hi + lo, |lo| at most half an ulp of hi: the arithmetic of the routines above. */
    record Dd(double hi, double lo) {
        static Dd of(double x) {
            return new Dd(x, 0);
        }

        Dd negate() {
            return new Dd(-hi, -lo);
        }

        Dd plus(Dd y) {
            double s = hi + y.hi;
            double bb = s - hi;
            double err = (hi - (s - bb)) + (y.hi - bb) + lo + y.lo;
            double t = s + err;
            return new Dd(t, err - (t - s));
        }

        Dd times(Dd y) {
            double p = hi * y.hi;
            double err = Math.fma(hi, y.hi, -p) + hi * y.lo + lo * y.hi;
            double t = p + err;
            return new Dd(t, err - (t - p));
        }

        Dd times(double y) {
            return times(of(y));
        }

        /** this / y: a first quotient, corrected by the remainder computed exactly. */
        Dd over(Dd y) {
            double q = hi / y.hi;
            Dd remainder = plus(y.times(-q));
            double correction = (remainder.hi + remainder.lo) / y.hi;
            double t = q + correction;
            return new Dd(t, correction - (t - q));
        }

        Dd over(double y) {
            return over(of(y));
        }

        double value() {
            return hi + lo;
        }
    }
}
