package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.Op;
import java.util.List;

/**
 * The loss ops of training graphs: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (the
 * former on log_softmax of the scores). Each element's value at its target class is gathered (a
 * target outside the classes is a run-time error, as any gather's index), weighted by the class's
 * weight, and reduced: "none" keeps them, "sum" adds them, "mean" divides the sum by the sum of
 * the weights taken. Elements whose target is ignore_index count neither in the sum nor in the
 * weights, and their class's value is never used (a -infinity log-probability there gives no NaN).
 */
final class LossImports {
    private LossImports() {
    }

    static void register(OnnxOps.Registry r) {
        r.op("NegativeLogLikelihoodLoss", c -> negativeLogLikelihood(c, c.in(0)));
        r.ops("SoftmaxCrossEntropyLoss", c -> {
            Operand logProb = c.emit(Op.LOG_SOFTMAX, attrs().put("axis", 1).build(), c.in(0));
            Operand loss = negativeLogLikelihood(c, logProb);
            return c.wantsOutput(1) ? List.of(loss, logProb) : List.of(loss);
        });
    }

    /** The loss of log-probabilities {@code input} ([N, C, d...]) at the targets c.in(1) ([N, d...]), weights c.in(2). */
    private static Operand negativeLogLikelihood(ImportContext c, Operand input) {
        Operand target = c.in(1);
        if (input.rank() < 2 || target.rank() != input.rank() - 1) {
            throw c.error("input must be [N, C, d...] and target [N, d...], got " + input.type + " and " + target.type);
        }
        String reduction = c.attrString("reduction", "mean");
        if (!List.of("none", "sum", "mean").contains(reduction)) {
            throw c.error("reduction must be \"none\", \"sum\" or \"mean\", got \"" + reduction + "\"");
        }
        DType t = input.type.dtype();
        DType indexType = target.type.dtype();
        Operand kept = c.hasAttr("ignore_index")
                ? c.emit(Op.NOT_EQUAL, target, c.scalar(indexType, c.attrInt("ignore_index", 0))) : null;
        Operand classes = kept == null ? target : c.emit(Op.SELECT, kept, target, c.scalar(indexType, 0));
        Operand picked = c.squeeze(IndexingImports.gatherAlong(c, input, c.expandDims(classes, 1), 1), 1);
        Operand weights = c.has(2) ? c.emit(Op.GATHER, attrs().put("axis", 0).build(), c.in(2), classes) : null;
        if (kept != null) {
            weights = c.emit(Op.SELECT, kept, weights == null ? c.scalar(t, 1) : weights, c.scalar(t, 0));
            weights = c.emit(Op.BROADCAST_TO, attrs().put("shape", target.shape()).build(), weights);
        }
        Operand loss = c.emit(Op.NEG, picked);
        if (weights != null) {
            loss = kept == null ? c.emit(Op.MUL, loss, weights)
                    : c.emit(Op.SELECT, kept, c.emit(Op.MUL, loss, weights), c.scalar(t, 0));
        }
        return switch (reduction) {
            case "none" -> loss;
            case "sum" -> c.reduce(Op.REDUCE_SUM, loss, null, false);
            default -> weights == null ? c.reduce(Op.REDUCE_MEAN, loss, null, false)
                    : c.emit(Op.DIV, c.reduce(Op.REDUCE_SUM, loss, null, false), c.reduce(Op.REDUCE_SUM, weights, null, false));
        };
    }
}
