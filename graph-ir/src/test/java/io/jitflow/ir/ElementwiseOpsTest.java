package io.jitflow.ir;

import static io.jitflow.ir.OpHarness.assertBools;
import static io.jitflow.ir.OpHarness.assertClose;
import static io.jitflow.ir.OpHarness.assertLongs;
import static io.jitflow.ir.OpHarness.assertShape;
import static io.jitflow.ir.OpHarness.attrs;
import static io.jitflow.ir.OpHarness.bools;
import static io.jitflow.ir.OpHarness.eval;
import static io.jitflow.ir.OpHarness.f16;
import static io.jitflow.ir.OpHarness.f32;
import static io.jitflow.ir.OpHarness.f64;
import static io.jitflow.ir.OpHarness.i32;
import static io.jitflow.ir.OpHarness.i64;
import static io.jitflow.ir.OpHarness.shaped;
import static io.jitflow.ir.OpHarness.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ElementwiseOpsTest {
    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    @Test
    void signAndMagnitudeOnEveryNumericClass() {
        assertClose(eval(Op.NEG, f32(1.5f, -2f, 0f)), -1.5, 2, -0.0);
        assertLongs(eval(Op.NEG, i32(3, Integer.MIN_VALUE)), -3, Integer.MIN_VALUE);
        assertLongs(eval(Op.NEG, u8(1, 0)), 255, 0);
        assertClose(eval(Op.ABS, f64(-3.5, 2, NAN)), 3.5, 2, NAN);
        assertLongs(eval(Op.ABS, i64(-7, Long.MIN_VALUE)), 7, Long.MIN_VALUE);
        assertClose(eval(Op.SIGN, f32(-2f, 0f, 5f)), -1, 0, 1);
        assertLongs(eval(Op.SIGN, i32(-9, 0, 4)), -1, 0, 1);
        assertClose(eval(Op.SQUARE, f64(-3, 0.5)), 9, 0.25);
        assertLongs(eval(Op.SQUARE, i32(65536, -3)), 0, 9);
        assertLongs(eval(Op.RELU, i32(-2, 3)), 0, 3);
        assertClose(eval(Op.RELU, f32(-2f, 3f, (float) NAN)), 0, 3, NAN);
    }

    @Test
    void transcendentalFunctions() {
        assertClose(eval(Op.EXP, f64(0, 1, -INF)), 1, Math.E, 0);
        assertClose(eval(Op.EXPM1, f64(1e-10, 0)), 1.00000000005e-10, 0);
        assertClose(eval(Op.LOG, f64(1, Math.E, 0, -1)), 0, 1, -INF, NAN);
        assertClose(eval(Op.LOG1P, f64(1e-10, -1)), 9.9999999995e-11, -INF);
        assertClose(eval(Op.SQRT, f32(4f, 2f, -1f)), 2, Math.sqrt(2), NAN);
        assertClose(eval(Op.RSQRT, f64(4, 0)), 0.5, INF);
        assertClose(eval(Op.RECIPROCAL, f64(4, -0.0)), 0.25, Double.NEGATIVE_INFINITY);
        assertClose(eval(Op.SIN, f64(0, Math.PI / 2)), 0, 1);
        assertClose(eval(Op.COS, f64(0, Math.PI)), 1, -1);
        assertClose(eval(Op.TANH, f64(0, 1, 100)), 0, 0.7615941559557649, 1);
        assertClose(eval(Op.SIGMOID, f64(0, 2, -1000)), 0.5, 0.8807970779778823, 0);
        assertClose(eval(Op.SOFTPLUS, f64(0, 1000, -1000)), Math.log(2), 1000, 0);
        assertClose(eval(Op.ERF, f64(0, 0.5, 1, -2, 10)), 0, 0.5204998778130465, 0.8427007929497149,
                -0.9953222650189527, 1);
    }

    @Test
    void activationsWithAttributes() {
        assertClose(eval(Op.LEAKY_RELU, f32(-10f, 3f)), -2, 3);
        assertClose(eval(Op.LEAKY_RELU, attrs().put("alpha", 0.5).build(), f32(-10f)), -5);
        assertClose(eval(Op.ELU, f64(-1, 2)), Math.expm1(-1), 2);
        assertClose(eval(Op.ELU, attrs().put("alpha", 2.0).build(), f64(-1)), 2 * Math.expm1(-1));
        assertClose(eval(Op.SELU, f64(1, -1)), 1.0507009873554805, 1.0507009873554805 * 1.6732632423543772 * Math.expm1(-1));
        assertClose(eval(Op.GELU, f64(1, -1, 0)), 0.8413447460685429, -0.15865525393145707, 0);
        assertClose(eval(Op.GELU, attrs().put("approximate", true).build(), f64(1)), 0.8411919906082768);
    }

    @Test
    void roundingFamilies() {
        assertClose(eval(Op.FLOOR, f32(-1.5f, 1.5f)), -2, 1);
        assertClose(eval(Op.CEIL, f32(-1.5f, 1.5f)), -1, 2);
        assertClose(eval(Op.ROUND, f64(0.5, 1.5, 2.5, -0.5, -1.5, 2.4)), 0, 2, 2, -0.0, -2, 2);
    }

    @Test
    void float16IsComputedWideAndRoundedToNearestEven() {
        HostTensor r = eval(Op.ADD, f16(1.0, 65504), f16(0.00048828125, 8));
        assertShape(r, DType.FLOAT16, 2);
        // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties go to even (1.0). 65504 + 8 rounds back down.
        assertClose(r, 1.0, 65504);
        assertClose(eval(Op.MUL, f16(300), f16(300)), INF);
        assertClose(eval(Op.ADD, f16(65504), f16(16)), INF);
    }

    @Test
    void predicatesAndLogic() {
        assertBools(eval(Op.IS_NAN, f64(NAN, 1, INF)), true, false, false);
        assertBools(eval(Op.IS_FINITE, f32(1f, Float.NaN, Float.NEGATIVE_INFINITY)), true, false, false);
        assertBools(eval(Op.LOGICAL_NOT, bools(true, false)), false, true);
        assertBools(eval(Op.LOGICAL_AND, bools(true, true, false), bools(true, false, false)), true, false, false);
        assertBools(eval(Op.LOGICAL_OR, bools(true, false, false), bools(false, false, true)), true, false, true);
        assertBools(eval(Op.LOGICAL_XOR, bools(true, true, false), bools(true, false, false)), false, true, false);
    }

    @Test
    void castTruncatesSaturatesAndWraps() {
        Attributes toInt = attrs().put("dtype", DType.INT32).build();
        assertLongs(eval(Op.CAST, toInt, f64(-1.7, 1.7, 1e20, NAN)), -1, 1, Integer.MAX_VALUE, 0);
        assertLongs(eval(Op.CAST, attrs().put("dtype", DType.UINT8).build(), i32(257, -1)), 1, 255);
        assertLongs(eval(Op.CAST, attrs().put("dtype", DType.UINT8).build(), f32(300f, -5f)), 255, 0);
        assertLongs(eval(Op.CAST, attrs().put("dtype", DType.INT32).build(), i64(1L << 32 | 5)), 5);
        assertBools(eval(Op.CAST, attrs().put("dtype", DType.BOOL).build(), f32(0f, -0f, 2f, Float.NaN)),
                false, false, true, true);
        assertClose(eval(Op.CAST, attrs().put("dtype", DType.FLOAT32).build(), bools(true, false)), 1, 0);
        HostTensor half = eval(Op.CAST, attrs().put("dtype", DType.FLOAT16).build(), f64(0.1));
        assertEquals(0x2e66, half.getBits(0));
        assertClose(eval(Op.CAST, attrs().put("dtype", DType.FLOAT64).build(), i64(Long.MAX_VALUE)), 9.223372036854776E18);
    }

    @Test
    void arithmeticOnFloats() {
        assertClose(eval(Op.ADD, f32(1f, 2f), f32(0.5f, -2f)), 1.5, 0);
        assertClose(eval(Op.SUB, f64(1, 2), f64(0.5, 3)), 0.5, -1);
        assertClose(eval(Op.MUL, f64(3, -0.0), f64(0.5, 2)), 1.5, -0.0);
        assertClose(eval(Op.DIV, f64(1, 1, -1, 0), f64(4, 0, 0, 0)), 0.25, INF, -INF, NAN);
        assertClose(eval(Op.FLOOR_DIV, f64(7, -7), f64(2, 2)), 3, -4);
        assertClose(eval(Op.MOD, f64(7, -7, 7, 5.5), f64(3, 3, -3, 2)), 1, 2, -2, 1.5);
        assertClose(eval(Op.POW, f64(2, 9, 0), f64(10, 0.5, 0)), 1024, 3, 1);
        assertClose(eval(Op.MAXIMUM, f64(1, NAN), f64(2, 0)), 2, NAN);
        assertClose(eval(Op.MINIMUM, f64(1, 3), f64(2, NAN)), 1, NAN);
    }

    @Test
    void arithmeticOnIntegersWraps() {
        assertLongs(eval(Op.ADD, i32(Integer.MAX_VALUE), i32(1)), Integer.MIN_VALUE);
        assertLongs(eval(Op.ADD, u8(250), u8(10)), 4);
        assertLongs(eval(Op.SUB, u8(3), u8(5)), 254);
        assertLongs(eval(Op.MUL, i64(Long.MAX_VALUE), i64(2)), -2);
        assertLongs(eval(Op.FLOOR_DIV, i32(7, -7), i32(2, 2)), 3, -4);
        assertLongs(eval(Op.MOD, i64(7, -7, 7), i64(3, 3, -3)), 1, 2, -2);
        assertLongs(eval(Op.POW, i32(3, 2, -2), i32(4, 31, 3)), 81, Integer.MIN_VALUE, -8);
        assertLongs(eval(Op.MAXIMUM, u8(200, 3), u8(100, 4)), 200, 4);
        assertLongs(eval(Op.MINIMUM, i32(-1, 5), i32(2, 4)), -1, 4);
    }

    @Test
    void trueDivisionOfIntegersGivesFloats() {
        HostTensor q = eval(Op.DIV, i32(7, -7, Integer.MIN_VALUE, 1), i32(2, 2, -1, 0));
        assertEquals(DType.FLOAT64, q.dtype());
        assertClose(q, 3.5, -3.5, 2147483648.0, INF);
        HostTensor pixels = eval(Op.DIV, u8(255, 128, 0), u8(255, 255, 255));
        assertEquals(DType.FLOAT32, pixels.dtype());
        assertClose(pixels, 1, 128f / 255f, 0);
        assertEquals(DType.FLOAT64, eval(Op.DIV, i64(1), i64(3)).dtype());
        assertClose(eval(Op.DIV, i64(1), i64(3)), 1.0 / 3);
    }

    @Test
    void integerDivisionByZeroIsARunTimeError() {
        for (Op op : new Op[] {Op.FLOOR_DIV, Op.MOD}) {
            EvaluationException e = assertThrows(EvaluationException.class, () -> eval(op, i32(1), i32(0)));
            assertTrue(e.getMessage().contains(op.mnemonic() + ": integer division by zero"), e.getMessage());
        }
        EvaluationException e = assertThrows(EvaluationException.class, () -> eval(Op.POW, i32(2), i32(-1)));
        assertTrue(e.getMessage().contains("negative integer powers"), e.getMessage());
    }

    @Test
    void comparisons() {
        assertBools(eval(Op.EQUAL, f64(1, NAN), f64(1, NAN)), true, false);
        assertBools(eval(Op.NOT_EQUAL, f64(1, NAN), f64(1, NAN)), false, true);
        assertBools(eval(Op.EQUAL, bools(true, false), bools(true, true)), true, false);
        assertBools(eval(Op.LESS, u8(200, 1), u8(100, 2)), false, true);
        assertBools(eval(Op.LESS_EQUAL, i64(1, 2), i64(1, 1)), true, false);
        assertBools(eval(Op.GREATER, f32(2f, 1f), f32(1f, 1f)), true, false);
        assertBools(eval(Op.GREATER_EQUAL, i32(1, 0), i32(1, 1)), true, false);
    }

    @Test
    void broadcastingFollowsNumPy() {
        HostTensor column = shaped(f32(1f, 2f, 3f), 3, 1);
        HostTensor row = shaped(f32(10f, 20f), 1, 2);
        HostTensor sum = eval(Op.ADD, column, row);
        assertShape(sum, DType.FLOAT32, 3, 2);
        assertClose(sum, 11, 21, 12, 22, 13, 23);
        HostTensor scalar = HostTensor.of(new float[] {100f});
        assertClose(eval(Op.SUB, shaped(f32(1f, 2f), 2), scalar), -99, -98);
        HostTensor matrix = shaped(i32(1, 2, 3, 4, 5, 6), 2, 3);
        assertLongs(eval(Op.MUL, matrix, i32(1, 0, -1)), 1, 0, -3, 4, 0, -6);
        OpTypeException e = assertThrows(OpTypeException.class, () -> eval(Op.ADD, f32(1f, 2f), f32(1f, 2f, 3f)));
        assertTrue(e.getMessage().contains("cannot be broadcast"), e.getMessage());
    }

    @Test
    void selectAndClip() {
        HostTensor r = eval(Op.SELECT, bools(true, false, true), f64(1, 2, 3), HostTensor.of(new double[] {-1}));
        assertClose(r, 1, -1, 3);
        assertLongs(eval(Op.SELECT, shaped(bools(true, false), 2, 1), i32(1, 2), i32(8, 9)), 1, 2, 8, 9);
        assertClose(eval(Op.CLIP, f32(-5f, 0.5f, 5f, Float.NaN), HostTensor.of(new float[] {0f}),
                HostTensor.of(new float[] {1f})), 0, 0.5, 1, NAN);
        assertLongs(eval(Op.CLIP, u8(0, 100, 255), u8(10), u8(200)), 10, 100, 200);
    }
}
