package io.jitflow.runtime;

/**
 * The float32 matmul's micro-kernel generated for a program, reading A's rows in place at a row
 * stride fixed when the code was generated: the constant offsets let HotSpot address all eight
 * rows from one index, as it does a packed panel, so A needs no packing (the MNIST MLP's 64 x 784
 * x 128 share of a thread: 92 us with A packed by gathers, 82 so). Each tile is the same chains of
 * fused multiply-adds as the packed kernel's, so the same bits.
 */
public interface FloatTiles {
    /**
     * C[8 x NR] = start + A's rows [a0, a0 + 8 stride) (each from its first depth, {@code stride}
     * apart) x the packed panel of B at {@code bAt} (kc rows of NR, two vectors), over depths [0, kc);
     * start's rows are {@code lds} apart, C's {@code ldc}. {@code stride} is one the code was
     * generated for.
     */
    void tile(int stride, float[] a, int a0, float[] pb, int bAt, int kc, float[] start, int startAt, int lds,
              float[] c, int cAt, int ldc);
}
