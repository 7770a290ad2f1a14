package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Matrix multiplication. */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /**
     * matmul(a, b) {transpose_a, transpose_b}: a is [..., m, k] (or [..., k, m] transposed), b is
     * [..., k, n]; batch dims broadcast. Float products accumulate in double, integers wrap.
     */
    public static OpDef matmul() {
        return OpDef.builder().operands(2)
                .attr(AttrSpec.withDefault("transpose_a", new Attr.BoolAttr(false)))
                .attr(AttrSpec.withDefault("transpose_b", new Attr.BoolAttr(false)))
                .infer(c -> {
                    c.commonDType();
                    c.requireKind(0, DType.Kind.INTEGER, DType.Kind.FLOAT);
                    Shape a = c.operand(0).shape();
                    Shape b = c.operand(1).shape();
                    if (a.rank() < 2 || b.rank() < 2) {
                        throw c.error("operands must have rank >= 2, got " + c.describeOperands());
                    }
                    boolean ta = c.attrs().getBool("transpose_a");
                    boolean tb = c.attrs().getBool("transpose_b");
                    Dim m = a.dim(a.rank() - (ta ? 1 : 2));
                    Dim ka = a.dim(a.rank() - (ta ? 2 : 1));
                    Dim kb = b.dim(b.rank() - (tb ? 1 : 2));
                    Dim n = b.dim(b.rank() - (tb ? 2 : 1));
                    if (!ka.equals(kb)) {
                        throw c.error("inner dims must agree: " + c.operand(0) + (ta ? " (transposed)" : "") + " times "
                                + c.operand(1) + (tb ? " (transposed)" : "") + " contracts " + ka + " with " + kb);
                    }
                    Shape batch = Broadcasting.broadcast(Shape.of(a.dims().subList(0, a.rank() - 2)),
                            Shape.of(b.dims().subList(0, b.rank() - 2)));
                    if (batch == null) {
                        throw c.error("batch dims cannot be broadcast together: " + c.describeOperands());
                    }
                    List<Dim> dims = new ArrayList<>(batch.dims());
                    dims.add(m);
                    dims.add(n);
                    return List.of(c.operand(0).withShape(Shape.of(dims)));
                })
                .evaluate(c -> {
                    HostTensor a = c.operand(0);
                    HostTensor b = c.operand(1);
                    boolean ta = c.attrs().getBool("transpose_a");
                    boolean tb = c.attrs().getBool("transpose_b");
                    int[] as = a.shape();
                    int[] bs = b.shape();
                    int m = as[as.length - (ta ? 1 : 2)];
                    int k = as[as.length - (ta ? 2 : 1)];
                    int n = bs[bs.length - (tb ? 2 : 1)];
                    int[] aBatch = Arrays.copyOf(as, as.length - 2);
                    int[] bBatch = Arrays.copyOf(bs, bs.length - 2);
                    int[] batch = Broadcasting.broadcast(c.op().mnemonic(), List.of(aBatch, bBatch));
                    int[] aStrides = Broadcasting.stridesFor(aBatch, batch);
                    int[] bStrides = Broadcasting.stridesFor(bBatch, batch);
                    int[] outShape = Arrays.copyOf(batch, batch.length + 2);
                    outShape[batch.length] = m;
                    outShape[batch.length + 1] = n;
                    HostTensor.Writer out = HostTensor.writer(a.dtype(), outShape);
                    int batches = Shape.checkedElementCount(batch);
                    boolean floating = a.dtype().isFloating();
                    for (int bi = 0; bi < batches; bi++) {
                        int aBase = Broadcasting.sourceIndex(bi, batch, aStrides) * m * k;
                        int bBase = Broadcasting.sourceIndex(bi, batch, bStrides) * k * n;
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double fsum = 0;
                                long isum = 0;
                                for (int p = 0; p < k; p++) {
                                    int ai = aBase + (ta ? p * m + i : i * k + p);
                                    int bj = bBase + (tb ? j * k + p : p * n + j);
                                    if (floating) {
                                        fsum += a.getDouble(ai) * b.getDouble(bj);
                                    } else {
                                        isum += a.getLong(ai) * b.getLong(bj);
                                    }
                                }
                                int o = (bi * m + i) * n + j;
                                if (floating) {
                                    out.setDouble(o, fsum);
                                } else {
                                    out.setLong(o, isum);
                                }
                            }
                        }
                    }
                    return List.of(out.build());
                }).build();
    }
}
