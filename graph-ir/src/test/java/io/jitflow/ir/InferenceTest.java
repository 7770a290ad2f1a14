package io.jitflow.ir;

import static io.jitflow.ir.OpHarness.attrs;
import static io.jitflow.ir.OpHarness.infer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Type and shape inference: static and symbolic results, and the errors that name op and operands. */
class InferenceTest {
    private static final TensorType F32_2x3 = TensorType.of(DType.FLOAT32, 2, 3);
    private static final TensorType F64_2x3 = TensorType.of(DType.FLOAT64, 2, 3);
    private static final Dim BATCH = Dim.named("batch");

    private static void assertError(String expected, Op op, Attributes a, TensorType... operands) {
        OpTypeException e = assertThrows(OpTypeException.class, () -> infer(op, a, operands));
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        assertTrue(e.getMessage().startsWith(op.mnemonic() + ":"), "message names the op: " + e.getMessage());
    }

    @Test
    void mixedDtypesAreAnErrorNamingBoth() {
        assertError("operands must have the same dtype, got float32[2, 3] and float64[2, 3]", Op.ADD,
                Attributes.empty(), F32_2x3, F64_2x3);
        assertError("operands must have the same dtype", Op.MATMUL, Attributes.empty(),
                F32_2x3, TensorType.of(DType.INT32, 3, 2));
    }

    @Test
    void dtypeClassesAreChecked() {
        assertError("expected a floating dtype", Op.EXP, Attributes.empty(), TensorType.of(DType.INT32, 2));
        assertError("expected bool", Op.LOGICAL_AND, Attributes.empty(), F32_2x3, F32_2x3);
        assertError("expected an integer dtype (uint8, int32, int64) or a floating dtype", Op.ADD, Attributes.empty(),
                TensorType.of(DType.BOOL, 2), TensorType.of(DType.BOOL, 2));
        assertError("condition must be bool", Op.SELECT, Attributes.empty(), F32_2x3, F32_2x3, F32_2x3);
        assertError("operand 1 has dtype float32, expected an integer dtype", Op.GATHER, Attributes.empty(),
                F32_2x3, TensorType.of(DType.FLOAT32, 2));
    }

    @Test
    void broadcastingErrorsNameTheShapes() {
        assertError("cannot be broadcast together: float32[2, 3] and float32[4]", Op.MUL, Attributes.empty(),
                F32_2x3, TensorType.of(DType.FLOAT32, 4));
    }

    @Test
    void matmulErrorsNameBothShapes() {
        assertError("inner dims must agree: float32[2, 3] times float32[2, 3] contracts 3 with 2", Op.MATMUL,
                Attributes.empty(), F32_2x3, F32_2x3);
        assertError("operands must have rank >= 2", Op.MATMUL, Attributes.empty(),
                TensorType.of(DType.FLOAT32, 3), F32_2x3);
    }

    @Test
    void symbolicDimsFlowThroughInference() {
        TensorType x = new TensorType(DType.FLOAT32, Shape.of(BATCH, Dim.of(784)));
        TensorType w = TensorType.of(DType.FLOAT32, 784, 10);
        TensorType y = infer(Op.MATMUL, Attributes.empty(), x, w);
        assertEquals(new TensorType(DType.FLOAT32, Shape.of(BATCH, Dim.of(10))), y);
        TensorType b = TensorType.of(DType.FLOAT32, 10);
        assertEquals(y, infer(Op.ADD, Attributes.empty(), y, b));
        TensorType summed = infer(Op.REDUCE_SUM, attrs().putInts("axes", 1).build(), y);
        assertEquals(new TensorType(DType.FLOAT32, Shape.of(BATCH)), summed);
        TensorType images = new TensorType(DType.FLOAT32, Shape.of(BATCH, Dim.of(28), Dim.of(28)));
        Attr.ShapeAttr flat = new Attr.ShapeAttr(List.of(Dim.of(1), Dim.of(784)), List.of(0));
        assertEquals(x, infer(Op.RESHAPE, attrs().put("shape", flat).build(), images));
        TensorType other = new TensorType(DType.FLOAT32, Shape.of(Dim.named("n"), Dim.of(784)));
        assertError("cannot be broadcast together", Op.ADD, Attributes.empty(), x, other);
    }

    @Test
    void axisAndAttributeErrors() {
        assertError("axis 2 is out of range for rank 2", Op.REDUCE_SUM, attrs().putInts("axes", 2).build(), F32_2x3);
        assertError("axis -1 is listed twice in axes [1, -1]", Op.REDUCE_SUM, attrs().putInts("axes", 1, -1).build(), F32_2x3);
        assertError("perm [0, 0] is not a permutation", Op.TRANSPOSE, attrs().putInts("perm", 0, 0).build(), F32_2x3);
        assertError("cannot squeeze axis 0 of float32[2, 3]: its size is 2, expected 1", Op.SQUEEZE,
                attrs().putInts("axes", 0).build(), F32_2x3);
        assertError("cannot reshape float32[2, 3] to [4, 2]: element counts differ", Op.RESHAPE,
                attrs().put("shape", Shape.of(4, 2)).build(), F32_2x3);
        assertError("operands must match in every dim but axis 0", Op.CONCAT, attrs().put("axis", 0).build(),
                F32_2x3, TensorType.of(DType.FLOAT32, 2, 4));
        assertError("paddings needs 2 entries per dim", Op.PAD, attrs().putInts("paddings", 1, 1).build(), F32_2x3);
        assertError("reflect padding of dim 1 by 3 is too large", Op.PAD,
                attrs().putInts("paddings", 0, 0, 3, 0).put("mode", "reflect").build(), F32_2x3);
        assertError("the value must be a scalar", Op.FILL, attrs().put("shape", Shape.of(2)).build(), F32_2x3);
        assertError("dtype must be floating", Op.RANDOM_NORMAL,
                attrs().put("shape", Shape.of(2)).put("seed", 1).put("dtype", DType.INT32).build());
        assertError("strides must be non-zero", Op.SLICE,
                attrs().putInts("begin", 0).putInts("end", 1).putInts("strides", 0).build(), F32_2x3);
        assertError("cannot broadcast float32[2, 3] to [3, 3]", Op.BROADCAST_TO,
                attrs().put("shape", Shape.of(3, 3)).build(), F32_2x3);
        assertError("there is no variable @w", Op.READ_VARIABLE, attrs().put("name", "w").build());
    }

    @Test
    void attributesAreCheckedAndCompleted() {
        OpTypeException unknown = assertThrows(OpTypeException.class,
                () -> NodeFactory.complete(Op.ADD, attrs().put("axis", 1).build()));
        assertEquals("add: unknown attribute 'axis' (it takes none)", unknown.getMessage());
        OpTypeException missing = assertThrows(OpTypeException.class,
                () -> NodeFactory.complete(Op.CAST, Attributes.empty()));
        assertEquals("cast: missing required attribute 'dtype' of kind dtype", missing.getMessage());
        OpTypeException kind = assertThrows(OpTypeException.class,
                () -> NodeFactory.complete(Op.CAST, attrs().put("dtype", 3).build()));
        assertEquals("cast: attribute 'dtype' must be of kind dtype, got int", kind.getMessage());
        Attributes complete = NodeFactory.complete(Op.LEAKY_RELU, Attributes.empty());
        assertEquals(0.2, complete.getFloat("alpha"));
        OpTypeException arity = assertThrows(OpTypeException.class,
                () -> NodeFactory.infer(Op.ADD, List.of(F32_2x3), Attributes.empty(), InferenceContext.NO_VARIABLES));
        assertEquals("add: expected 2 operands, got 1", arity.getMessage());
    }
}
