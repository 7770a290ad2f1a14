package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.List;

/**
 * Attention (opsets 23 and 24): softmax(Q K^T * scale + bias) V per head, Q and K each scaled by
 * sqrt(scale) first. 3-D inputs are split into heads (q_num_heads, kv_num_heads); past_key and
 * past_value are concatenated before K and V (the present outputs); fewer key-value heads than
 * query heads (grouped and multi-query attention) are repeated, head h reading key-value head h /
 * (q_num_heads / kv_num_heads). The bias is attn_mask (a boolean mask as 0 or -infinity, a float
 * mask added; a short last dim padded with -infinity), the causal frontier (query i attends key j
 * iff j <= i + offset, offset the past's length, or per batch nonpad_kv_seqlen - q_length) and
 * nonpad_kv_seqlen's padding; softcap maps the scores through softcap * tanh(scores / softcap)
 * before the bias. A query row whose bias is -infinity everywhere attends nothing: its
 * probabilities and output are zero, not NaN. The softmax and the product with V run in
 * softmax_precision where given. qk_matmul_output gives the scores (modes 0 and 1, softcapped where
 * softcap is set, as ONNX's reference does), the scores with the bias (2) or the probabilities (3).
 * Beside it, the ops transformer models use around it: RotaryEmbedding and TensorScatter.
 */
final class AttentionImport {
    private AttentionImport() {
    }

    static void register(OnnxOps.Registry r) {
        r.ops("Attention", AttentionImport::attention);
        r.op("RotaryEmbedding", AttentionImport::rotaryEmbedding);
        r.op("TensorScatter", AttentionImport::tensorScatter);
    }

    /**
     * TensorScatter (opset 24), a key-value cache's update: position m of each batch entry's
     * sequence axis takes update position m - write_indices[b] (modulo the cache's length when
     * "circular") where that lies in the update, else keeps the past cache's value; a gather of the
     * update at those positions and a select.
     */
    private static Operand tensorScatter(ImportContext c) {
        Operand past = c.in(0);
        Operand update = c.in(1);
        int rank = past.rank();
        int axis = c.normalizeAxis(c.attrInt("axis", -2), rank);
        if (axis == 0 || update.rank() != rank) {
            throw c.error("axis must be a dim after the batch and update must have the cache's rank, got axis " + axis
                    + " for " + past.type + " and " + update.type);
        }
        String mode = c.attrString("mode", "linear");
        if (!mode.equals("linear") && !mode.equals("circular")) {
            throw c.error("mode must be \"linear\" or \"circular\", got \"" + mode + "\"");
        }
        int batch = c.staticDim(past, 0);
        int length = c.staticDim(past, axis);
        int updates = c.staticDim(update, axis);
        Operand positions = c.emit(Op.RANGE, attrs().put("limit", (double) length).put("dtype", DType.INT64).build());
        Operand from = positions;
        if (c.has(2)) {
            Operand start = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(batch, 1)).build(), c.cast(c.in(2), DType.INT64));
            from = c.emit(Op.SUB, positions, start);
        }
        if (mode.equals("circular")) {
            from = c.emit(Op.MOD, from, c.scalar(DType.INT64, length));
        }
        Operand inside = c.emit(Op.LOGICAL_AND, c.emit(Op.GREATER_EQUAL, from, c.scalar(DType.INT64, 0)),
                c.emit(Op.LESS, from, c.scalar(DType.INT64, updates)));
        Operand index = c.emit(Op.CLIP, from, c.scalar(DType.INT64, 0), c.scalar(DType.INT64, updates - 1));
        if (!update.shape().equals(past.shape().withDim(axis, io.jitflow.ir.Dim.of(updates)))) {
            throw c.error("update must have the cache's shape but along axis " + axis + ", got " + update.type + " for "
                    + past.type);
        }
        Operand taken = IndexingImports.gatherAlong(c, update, alongCache(c, index, past, axis), axis);
        Operand keep = alongCache(c, inside, past, axis);
        return c.emit(Op.SELECT, keep, taken, past);
    }


    /**
     * RotaryEmbedding (opset 23): each head's first rotary_embedding_dim values (all by default),
     * taken as halves or as interleaved pairs (x1, x2), become (cos x1 - sin x2, sin x1 + cos x2),
     * cos and sin from the caches at each token's position (position_ids, or the caches are
     * [batch, sequence, dim / 2] already); the rest of the head passes through.
     */
    private static Operand rotaryEmbedding(ImportContext c) {
        Operand x = c.in(0);
        boolean split = x.rank() == 3;
        if (!split && x.rank() != 4) {
            throw c.error("input must be [batch, sequence, hidden] or [batch, heads, sequence, head], got " + x.type);
        }
        // As [batch, sequence, heads, head].
        Operand tokens = split ? c.transpose(heads(c, x, c.positiveAttr("num_heads", 0, "at least 1 for a 3-D input")),
                0, 2, 1, 3) : c.transpose(x, 0, 2, 1, 3);
        int head = c.staticDim(tokens, 3);
        long dim = c.attrInt("rotary_embedding_dim", 0);
        dim = dim == 0 ? head : dim;
        if (dim < 0 || dim > head || dim % 2 != 0) {
            throw c.error("rotary_embedding_dim must be even and at most the head size " + head + ", got " + dim);
        }
        int half = (int) dim / 2;
        Operand cos = c.in(1);
        Operand sin = c.in(2);
        if (c.has(3)) {
            cos = c.emit(Op.GATHER, attrs().put("axis", 0).build(), cos, c.in(3));
            sin = c.emit(Op.GATHER, attrs().put("axis", 0).build(), sin, c.in(3));
        }
        if (c.staticDim(cos, cos.rank() - 1) != half || c.staticDim(sin, sin.rank() - 1) != half) {
            throw c.error("the caches' last dim must be rotary_embedding_dim / 2 = " + half + ", got " + cos.type
                    + " and " + sin.type);
        }
        cos = c.expandDims(cos, 2);
        sin = c.expandDims(sin, 2);
        boolean interleaved = c.attrInt("interleaved", 0) != 0;
        Operand x1 = interleaved ? c.sliceAxis(tokens, 3, 0, dim, 2) : c.sliceAxis(tokens, 3, 0, half, 1);
        Operand x2 = interleaved ? c.sliceAxis(tokens, 3, 1, dim, 2) : c.sliceAxis(tokens, 3, half, dim, 1);
        Operand real = c.emit(Op.SUB, c.emit(Op.MUL, cos, x1), c.emit(Op.MUL, sin, x2));
        Operand imaginary = c.emit(Op.ADD, c.emit(Op.MUL, sin, x1), c.emit(Op.MUL, cos, x2));
        Operand rotated;
        if (interleaved) {
            Operand pairs = c.emit(Op.CONCAT, attrs().put("axis", 4).build(), c.expandDims(real, 4),
                    c.expandDims(imaginary, 4));
            Shape shape = Shape.of(c.staticDim(tokens, 0), c.staticDim(tokens, 1), c.staticDim(tokens, 2), (int) dim);
            rotated = c.emit(Op.RESHAPE, attrs().put("shape", shape).build(), pairs);
        } else {
            rotated = c.emit(Op.CONCAT, attrs().put("axis", 3).build(), real, imaginary);
        }
        Operand out = dim == head ? rotated
                : c.emit(Op.CONCAT, attrs().put("axis", 3).build(), rotated, c.sliceAxis(tokens, 3, dim, head, 1));
        return split ? c.emit(Op.RESHAPE, attrs().put("shape", x.shape()).build(), out) : c.transpose(out, 0, 2, 1, 3);
    }

    private static List<Operand> attention(ImportContext c) {
        Operand q = c.in(0);
        Operand k = c.in(1);
        Operand v = c.in(2);
        boolean split = q.rank() == 3;
        if (split) {
            long qHeads = c.positiveAttr("q_num_heads", 0, "at least 1 for 3-D inputs");
            long kvHeads = c.positiveAttr("kv_num_heads", 0, "at least 1 for 3-D inputs");
            q = heads(c, q, qHeads);
            k = heads(c, k, kvHeads);
            v = heads(c, v, kvHeads);
        } else if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw c.error("Q, K and V must all be 3-D or all 4-D, got " + q.type + ", " + k.type + " and " + v.type);
        }
        Operand pastKey = c.has(4) ? c.in(4) : null;
        if (pastKey != null) {
            k = c.emit(Op.CONCAT, attrs().put("axis", 2).build(), pastKey, k);
            v = c.emit(Op.CONCAT, attrs().put("axis", 2).build(), c.in(5), v);
        }
        Operand presentKey = k;
        Operand presentValue = v;
        DType t = q.type.dtype();
        int queries = c.staticDim(q, 2);
        int keys = c.staticDim(k, 2);
        Operand bias = bias(c, t, queries, keys, pastKey == null ? 0 : c.staticDim(pastKey, 2));
        int qHeads = c.staticDim(q, 1);
        int kvHeads = c.staticDim(k, 1);
        if (qHeads != kvHeads) {
            if (qHeads % kvHeads != 0) {
                throw c.error("q_num_heads " + qHeads + " must be a multiple of kv_num_heads " + kvHeads);
            }
            k = repeatHeads(c, k, qHeads / kvHeads);
            v = repeatHeads(c, v, qHeads / kvHeads);
        }
        double scale = c.hasAttr("scale") ? c.attrFloat("scale", 1) : 1 / Math.sqrt(c.staticDim(q, 3));
        Operand root = c.scalar(t, Math.sqrt(scale));
        Operand scores = c.emit(Op.MATMUL, attrs().put("transpose_a", false).put("transpose_b", true).build(),
                c.emit(Op.MUL, q, root), c.emit(Op.MUL, k, root));
        double softcap = c.attrFloat("softcap", 0);
        if (softcap > 0) {
            Operand cap = c.scalar(t, softcap);
            scores = c.emit(Op.MUL, c.emit(Op.TANH, c.emit(Op.DIV, scores, cap)), cap);
        }
        Operand biased = bias == null ? scores : c.emit(Op.ADD, scores, bias);
        DType precision = c.hasAttr("softmax_precision")
                ? TensorProtos.dtype((int) c.attrInt("softmax_precision", 1), "Attention's 'softmax_precision'") : t;
        Operand probs = c.emit(Op.SOFTMAX, attrs().put("axis", 3).build(), c.cast(biased, precision));
        if (bias != null) {
            Operand none = c.emit(Op.EQUAL, c.reduce(Op.REDUCE_MAX, bias, new long[] {bias.rank() - 1}, true),
                    c.scalar(t, Double.NEGATIVE_INFINITY));
            probs = c.emit(Op.SELECT, none, c.scalar(precision, 0), probs);
        }
        Operand y = c.cast(c.emit(Op.MATMUL, probs, c.cast(v, precision)), t);
        if (split) {
            Operand moved = c.transpose(y, 0, 2, 1, 3);
            y = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(c.staticDim(moved, 0), queries,
                    qHeads * c.staticDim(moved, 3))).build(), moved);
        }
        long mode = c.attrInt("qk_matmul_output_mode", 0);
        Operand qk = switch ((int) mode) {
            case 0, 1 -> scores;
            case 2 -> biased;
            case 3 -> c.cast(probs, t);
            default -> throw c.error("qk_matmul_output_mode must be 0 to 3, got " + mode);
        };
        return List.of(y, presentKey, presentValue, qk);
    }

    /** x ([batch, length] or [length]) laid along the cache's batch and sequence axes, broadcast to its shape. */
    private static Operand alongCache(ImportContext c, Operand x, Operand cache, int axis) {
        int[] laid = new int[cache.rank()];
        java.util.Arrays.fill(laid, 1);
        laid[axis] = c.staticDim(cache, axis);
        laid[0] = x.rank() == 2 ? c.staticDim(cache, 0) : 1;
        Operand rows = c.emit(Op.BROADCAST_TO, attrs().put("shape", Shape.of(laid[0], laid[axis])).build(), x);
        return c.emit(Op.BROADCAST_TO, attrs().put("shape", cache.shape()).build(),
                c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(laid)).build(), rows));
    }

    /** [batch, length, heads * size] as [batch, heads, length, size]. */
    private static Operand heads(ImportContext c, Operand x, long heads) {
        int hidden = c.staticDim(x, 2);
        if (hidden % heads != 0) {
            throw c.error("a hidden size of " + hidden + " does not split into " + heads + " heads: " + x.type);
        }
        Shape split = Shape.of(c.staticDim(x, 0), c.staticDim(x, 1), (int) heads, (int) (hidden / heads));
        return c.transpose(c.emit(Op.RESHAPE, attrs().put("shape", split).build(), x), 0, 2, 1, 3);
    }

    /** [batch, heads, length, size] with each head repeated {@code times} times in a row. */
    private static Operand repeatHeads(ImportContext c, Operand x, int times) {
        int batch = c.staticDim(x, 0);
        int heads = c.staticDim(x, 1);
        int length = c.staticDim(x, 2);
        int size = c.staticDim(x, 3);
        Operand wide = c.emit(Op.BROADCAST_TO, attrs().put("shape", Shape.of(batch, heads, times, length, size)).build(),
                c.expandDims(x, 2));
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(batch, heads * times, length, size)).build(), wide);
    }

    /**
     * The additive bias of the scores ([..., queries, keys]), or null for none: attn_mask, the
     * causal frontier and nonpad_kv_seqlen's padding, each 0 where a key may be attended and
     * -infinity where not (a float mask as it is).
     */
    private static Operand bias(ImportContext c, DType t, int queries, int keys, int past) {
        Operand zero = c.scalar(t, 0);
        Operand minusInfinity = c.scalar(t, Double.NEGATIVE_INFINITY);
        Operand bias = null;
        if (c.has(3)) {
            Operand mask = c.in(3);
            boolean bool = mask.type.dtype() == DType.BOOL;
            int missing = keys - c.staticDim(mask, mask.rank() - 1);
            if (missing < 0) {
                throw c.error("attn_mask's last dim must be at most the " + keys + " keys, got " + mask.type);
            }
            if (missing > 0) {
                long[] paddings = new long[2 * mask.rank()];
                paddings[paddings.length - 1] = missing;
                mask = c.emit(Op.PAD, attrs().putInts("paddings", paddings)
                        .put("constant_value", bool ? 0 : Double.NEGATIVE_INFINITY).build(), mask);
            }
            bias = bool ? c.emit(Op.SELECT, mask, zero, minusInfinity) : c.cast(mask, t);
        }
        Operand nonpad = c.has(6) ? c.in(6) : null;
        // nonpad_kv_seqlen per batch as [batch, 1, 1, 1], against the key and query positions.
        Operand valid = nonpad == null ? null : c.emit(Op.RESHAPE,
                attrs().put("shape", Shape.of(c.staticDim(nonpad, 0), 1, 1, 1)).build(), nonpad);
        if (c.attrInt("is_causal", 0) != 0) {
            // key j - query i, attended where at most the offset.
            HostTensor.Writer ahead = HostTensor.writer(DType.INT64, new int[] {queries, keys});
            for (int i = 0; i < queries; i++) {
                for (int j = 0; j < keys; j++) {
                    ahead.setLong(i * keys + j, j - i);
                }
            }
            Operand offset = valid != null && past == 0
                    ? c.emit(Op.SUB, c.cast(valid, DType.INT64), c.scalar(DType.INT64, queries))
                    : c.scalar(DType.INT64, past);
            Operand causal = c.emit(Op.SELECT, c.emit(Op.LESS_EQUAL, c.constant(ahead.build()), offset), zero,
                    minusInfinity);
            bias = bias == null ? causal : c.emit(Op.ADD, bias, causal);
        }
        if (valid != null) {
            Operand positions = c.emit(Op.RANGE, attrs().put("limit", (double) keys).put("dtype", DType.INT64).build());
            Operand padding = c.emit(Op.SELECT, c.emit(Op.LESS, positions, c.cast(valid, DType.INT64)), zero,
                    minusInfinity);
            bias = bias == null ? padding : c.emit(Op.ADD, bias, padding);
        }
        return bias;
    }
}
