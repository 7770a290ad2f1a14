package io.jitflow.ir.ops;

import io.jitflow.ir.Attr;
import io.jitflow.ir.AttrSpec;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.OpDef;
import io.jitflow.ir.Shape;
import java.util.List;

/** softmax and log_softmax along an axis, computed stably (the maximum is subtracted first). */
public final class Softmax {
    private Softmax() {
    }

    public static OpDef softmax(boolean log) {
        return OpDef.builder().operands(1)
                .attr(AttrSpec.withDefault("axis", new Attr.IntAttr(-1)))
                .infer(c -> {
                    c.requireKind(0, DType.Kind.FLOAT);
                    if (c.operand(0).rank() == 0) {
                        throw c.error("operand must have rank >= 1, got " + c.operand(0));
                    }
                    c.axis(c.attrs().getInt("axis"), c.operand(0).rank());
                    return List.of(c.operand(0));
                })
                .evaluate(c -> {
                    HostTensor x = c.operand(0);
                    int axis = Shape.normalizeAxis(c.attrs().getInt("axis"), x.rank());
                    int n = x.dim(axis);
                    int inner = 1;
                    for (int d = axis + 1; d < x.rank(); d++) {
                        inner *= x.dim(d);
                    }
                    int outer = n == 0 || inner == 0 ? 0 : x.size() / (n * inner);
                    HostTensor.Writer out = HostTensor.writer(x.dtype(), x.shape());
                    for (int o = 0; o < outer; o++) {
                        for (int in = 0; in < inner; in++) {
                            int base = o * n * inner + in;
                            double max = Double.NEGATIVE_INFINITY;
                            for (int k = 0; k < n; k++) {
                                max = Math.max(max, x.getDouble(base + k * inner));
                            }
                            double sum = 0;
                            for (int k = 0; k < n; k++) {
                                sum += Math.exp(x.getDouble(base + k * inner) - max);
                            }
                            for (int k = 0; k < n; k++) {
                                double shifted = x.getDouble(base + k * inner) - max;
                                out.setDouble(base + k * inner, log ? shifted - Math.log(sum) : Math.exp(shifted) / sum);
                            }
                        }
                    }
                    return List.of(out.build());
                }).build();
    }
}
