package io.jitflow.ir.ops;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a counter-based
 * generator, so element i of a random tensor is a pure function of (seed, i) and every backend can
 * compute any element independently and identically.
 */
public final class Philox {
    /** The round multipliers and key increments (the Weyl sequence), as the paper gives them. */
    public static final int M0 = 0xD2511F53;
    public static final int M1 = 0xCD9E8D57;
    public static final int W0 = 0x9E3779B9;
    public static final int W1 = 0xBB67AE85;

    private Philox() {
    }

    /** The four 32-bit words for counter (lo32(counter), hi32(counter), 0, 0) under key = seed. */
    public static int[] block(long seed, long counter) {
        int c0 = (int) counter;
        int c1 = (int) (counter >>> 32);
        int c2 = 0;
        int c3 = 0;
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xffffffffL) * (c0 & 0xffffffffL);
            long p1 = (M1 & 0xffffffffL) * (c2 & 0xffffffffL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** A double in [0, 1) from two words: 53 random bits. */
    public static double unitDouble(int hi, int lo) {
        long bits = ((long) (hi >>> 5) << 26) | (lo >>> 6);
        return bits * 0x1.0p-53;
    }

    /** A float in [0, 1) from one word: 24 random bits. */
    public static double unitFloat(int word) {
        return (word >>> 8) * 0x1.0p-24;
    }

    /**
     * Element {@code counter} of random_uniform: min + (max - min) * u, with u from 53 bits of words
     * 0 and 1 when {@code wide} (float64), else 24 bits of word 0; rounded to the dtype by the caller.
     */
    public static double uniform(long seed, long counter, double min, double max, boolean wide) {
        int[] block = block(seed, counter);
        double u = wide ? unitDouble(block[0], block[1]) : unitFloat(block[0]);
        return min + (max - min) * u;
    }

    /**
     * Element {@code counter} of random_normal: Box-Muller on u1 = 1 - unit(w0, w1) in (0, 1] and
     * u2 = unit(w2, w3), with {@link PortableMath}'s log and cos, which every backend computes to the
     * same bits.
     */
    public static double normal(long seed, long counter, double mean, double stddev) {
        int[] block = block(seed, counter);
        double u1 = 1 - unitDouble(block[0], block[1]);
        double u2 = unitDouble(block[2], block[3]);
        return mean + stddev * Math.sqrt(-2 * PortableMath.log(u1)) * PortableMath.cos(TWO_PI * u2);
    }

    /** 2 pi, the Box-Muller angle's scale. */
    public static final double TWO_PI = 2 * Math.PI;
}
