package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One inference error per op, each naming the op and what it got; the table must cover every op. */
class EveryOpRejectsBadOperandsTest {
    private record Case(Attributes attrs, TensorType[] operands, String message) {
    }

    private static final TensorType F32 = TensorType.of(DType.FLOAT32, 2, 3);
    private static final TensorType F64 = TensorType.of(DType.FLOAT64, 2, 3);
    private static final TensorType I32 = TensorType.of(DType.INT32, 2, 3);
    private static final TensorType BOOL = TensorType.of(DType.BOOL, 2, 3);
    private static final TensorType SCALAR = TensorType.of(DType.FLOAT32);

    private static Attributes.Builder a() {
        return Attributes.builder();
    }

    private static Case c(Attributes attrs, String message, TensorType... operands) {
        return new Case(attrs, operands, message);
    }

    private static Map<Op, Case> cases() {
        Map<Op, Case> m = new EnumMap<>(Op.class);
        String notFloat = "operand 0 has dtype int32, expected a floating dtype";
        String notNumeric = "operand 0 has dtype bool, expected an integer dtype (uint8, int32, int64) or a floating dtype";
        String mixed = "operands must have the same dtype, got float32[2, 3] and float64[2, 3]";
        m.put(Op.CONSTANT, c(a().put("value", 1L).build(), "attribute 'value' must be of kind tensor, got int"));
        m.put(Op.FILL, c(a().put("shape", Shape.of(2)).build(), "the value must be a scalar, got float32[2, 3]", F32));
        m.put(Op.RANGE, c(a().put("limit", 3.0).put("delta", 0.0).build(), "delta non-zero"));
        m.put(Op.RANDOM_UNIFORM, c(a().put("shape", Shape.of(2)).put("seed", 1L).put("dtype", DType.BOOL).build(),
                "dtype must be floating, got bool"));
        m.put(Op.RANDOM_NORMAL, c(a().put("shape", Shape.of(2)).build(), "missing required attribute 'seed'"));
        for (Op op : new Op[] {Op.NEG, Op.ABS, Op.SIGN, Op.SQUARE, Op.RELU}) {
            m.put(op, c(Attributes.empty(), notNumeric, BOOL));
        }
        for (Op op : new Op[] {Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.SQRT, Op.RSQRT, Op.RECIPROCAL, Op.SIN, Op.COS,
                Op.TANH, Op.SIGMOID, Op.LEAKY_RELU, Op.ELU, Op.SELU, Op.SOFTPLUS, Op.GELU, Op.ERF, Op.FLOOR, Op.CEIL,
                Op.ROUND, Op.IS_NAN, Op.IS_FINITE, Op.SOFTMAX, Op.LOG_SOFTMAX}) {
            m.put(op, c(Attributes.empty(), notFloat, I32));
        }
        m.put(Op.LOGICAL_NOT, c(Attributes.empty(), "operand 0 has dtype float32, expected bool", F32));
        m.put(Op.CAST, c(a().put("dtype", "int32").build(), "attribute 'dtype' must be of kind dtype, got string", F32));
        for (Op op : new Op[] {Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.FLOOR_DIV, Op.MOD, Op.POW, Op.MAXIMUM, Op.MINIMUM,
                Op.EQUAL, Op.NOT_EQUAL, Op.LESS, Op.LESS_EQUAL, Op.GREATER, Op.GREATER_EQUAL, Op.MATMUL}) {
            m.put(op, c(Attributes.empty(), mixed, F32, F64));
        }
        for (Op op : new Op[] {Op.LOGICAL_AND, Op.LOGICAL_OR, Op.LOGICAL_XOR}) {
            m.put(op, c(Attributes.empty(), "operand 0 has dtype int32, expected bool", I32, I32));
        }
        m.put(Op.SELECT, c(Attributes.empty(), "branches must have the same dtype, got float32[2, 3] and float64[2, 3]",
                BOOL, F32, F64));
        m.put(Op.CLIP, c(Attributes.empty(), "cannot be broadcast together", F32, TensorType.of(DType.FLOAT32, 4),
                SCALAR));
        for (Op op : new Op[] {Op.REDUCE_SUM, Op.REDUCE_MEAN, Op.REDUCE_MAX, Op.REDUCE_MIN, Op.REDUCE_PROD}) {
            m.put(op, c(Attributes.empty(), notNumeric, BOOL));
        }
        m.put(Op.REDUCE_ANY, c(Attributes.empty(), "operand 0 has dtype float32, expected bool", F32));
        m.put(Op.REDUCE_ALL, c(a().putInts("axes", 5).build(), "axis 5 is out of range for rank 2", BOOL));
        m.put(Op.ARGMAX, c(a().put("output_type", DType.FLOAT32).build(), "output_type must be int32 or int64, got float32", F32));
        m.put(Op.ARGMIN, c(Attributes.empty(), "operand must have rank >= 1, got float32[]", SCALAR));
        String rank = "the input must have rank 3 to 5 (batch, 1 to 3 spatial dims, channels), got float32[2, 3]";
        TensorType sequence = TensorType.of(DType.FLOAT32, 2, 3, 4);
        m.put(Op.CONV, c(Attributes.empty(), rank, F32, F32));
        m.put(Op.CONV_TRANSPOSE, c(Attributes.empty(), mixed, F32, F64));
        m.put(Op.MAX_POOL, c(a().putInts("window", 2).build(), notFloat, I32));
        m.put(Op.AVG_POOL, c(a().putInts("window", 2).build(), rank, F32));
        m.put(Op.MAX_POOL_GRAD, c(a().putInts("window", 1).build(),
                "the gradient must have the pooled type float32[2, 3, 4], got float32[2, 3]", sequence, F32));
        m.put(Op.MAX_POOL_SELECT, c(a().putInts("window", 1).build(),
                "the selected tensor must have x's type float32[2, 3, 4], got float32[2, 3]", sequence, F32));
        m.put(Op.BATCH_NORM, c(Attributes.empty(), "scale, offset, mean and variance must be vectors of the 3 channels "
                + "of axis -1 of float32[2, 3], got", F32, F32, F32, F32, F32));
        m.put(Op.LAYER_NORM, c(Attributes.empty(), "scale and offset must have the normalized axes' shape [3], got", F32,
                F32, F32));
        m.put(Op.RESIZE, c(a().putInts("sizes", 4).put("mode", "cubic").build(),
                "mode must be \"nearest\" or \"bilinear\", got \"cubic\"", sequence));
        m.put(Op.RESHAPE, c(a().put("shape", Shape.of(5)).build(), "cannot reshape float32[2, 3] to [5]", F32));
        m.put(Op.TRANSPOSE, c(a().putInts("perm", 0).build(), "perm [0] is not a permutation of 0..1", F32));
        m.put(Op.EXPAND_DIMS, c(a().put("axis", 3L).build(), "axis 3 is out of range for rank 3", F32));
        m.put(Op.SQUEEZE, c(a().putInts("axes", 1).build(), "its size is 3, expected 1", F32));
        m.put(Op.BROADCAST_TO, c(a().put("shape", Shape.of(3)).build(), "cannot broadcast float32[2, 3] to [3]", F32));
        m.put(Op.CONCAT, c(a().put("axis", 0L).build(), mixed, F32, F64));
        m.put(Op.SLICE, c(a().putInts("begin", 0).putInts("end", 1, 2).build(),
                "begin, end and strides must have the same length, got 1, 2 and 1", F32));
        m.put(Op.SLICE_UPDATE, c(a().putInts("begin", 0).putInts("end", 1).build(),
                "the update must have the slice's type float32[1, 3], got float32[2, 3]", F32, F32));
        m.put(Op.SCATTER_ADD, c(Attributes.empty(), "updates must have the gathered type float32[2, 3, 3], got float32[2, 3]",
                F32, I32, F32));
        m.put(Op.PAD, c(a().putInts("paddings", 0, 0, -1, 0).build(), "paddings must be >= 0", F32));
        m.put(Op.TILE, c(a().putInts("multiples", 2).build(), "multiples needs one entry per dim (2 for float32[2, 3]), got 1", F32));
        m.put(Op.GATHER, c(a().put("batch_dims", 1L).build(), "batch_dims 1 must be in [0, min(indices rank 2, axis 0)]",
                F32, I32));
        m.put(Op.ONE_HOT, c(a().put("depth", 3L).put("axis", 4L).build(), "axis 4 is out of range for a result of rank 3", I32));
        m.put(Op.READ_VARIABLE, c(a().put("name", "missing").build(), "there is no variable @missing"));
        m.put(Op.ASSIGN_VARIABLE, c(a().put("name", "missing").build(), "there is no variable @missing", F32));
        // Control flow without its regions (ControlFlowOpsTest checks the regions' signatures).
        m.put(Op.COND, c(Attributes.empty(), "expected regions then, else, got none", BOOL));
        m.put(Op.WHILE, c(Attributes.empty(), "expected regions cond, body, got none", F32));
        m.put(Op.SCAN, c(a().put("carried", 1L).put("scanned", 0L).build(), "expected regions body, got none", F32));
        return m;
    }

    @Test
    void everyOpHasAnInferenceErrorCase() {
        assertEquals(java.util.EnumSet.allOf(Op.class), cases().keySet());
    }

    @Test
    void eachErrorNamesTheOpAndTheProblem() {
        cases().forEach((op, c) -> {
            OpTypeException e = assertThrows(OpTypeException.class, () -> {
                Attributes complete = NodeFactory.complete(op, c.attrs());
                NodeFactory.infer(op, java.util.List.of(c.operands()), complete, InferenceContext.NO_VARIABLES);
            }, op.mnemonic());
            assertTrue(e.getMessage().startsWith(op.mnemonic() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(c.message()), op + ": " + e.getMessage());
        });
    }
}
