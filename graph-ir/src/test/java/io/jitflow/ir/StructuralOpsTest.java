package io.jitflow.ir;

import static io.jitflow.ir.OpHarness.assertBools;
import static io.jitflow.ir.OpHarness.assertClose;
import static io.jitflow.ir.OpHarness.assertLongs;
import static io.jitflow.ir.OpHarness.assertShape;
import static io.jitflow.ir.OpHarness.attrs;
import static io.jitflow.ir.OpHarness.bools;
import static io.jitflow.ir.OpHarness.eval;
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

/** Reductions, movement, indexing, matmul, softmax and creation ops on hand-checked values. */
class StructuralOpsTest {
    private final HostTensor m23 = shaped(f64(1, 2, 3, 4, 5, 6), 2, 3);

    @Test
    void reductionsOverAxesWithAndWithoutKeepdims() {
        assertClose(eval(Op.REDUCE_SUM, m23), 21);
        HostTensor rows = eval(Op.REDUCE_SUM, attrs().putInts("axes", 1).build(), m23);
        assertShape(rows, DType.FLOAT64, 2);
        assertClose(rows, 6, 15);
        HostTensor kept = eval(Op.REDUCE_MEAN, attrs().putInts("axes", 0).put("keepdims", true).build(), m23);
        assertShape(kept, DType.FLOAT64, 1, 3);
        assertClose(kept, 2.5, 3.5, 4.5);
        assertClose(eval(Op.REDUCE_MAX, attrs().putInts("axes", -1).build(), m23), 3, 6);
        assertClose(eval(Op.REDUCE_MIN, attrs().putInts("axes", 0).build(), m23), 1, 2, 3);
        assertClose(eval(Op.REDUCE_PROD, m23), 720);
        assertLongs(eval(Op.REDUCE_SUM, i32(Integer.MAX_VALUE, 1)), Integer.MIN_VALUE);
        assertLongs(eval(Op.REDUCE_MEAN, i32(1, 2)), 1);
        assertLongs(eval(Op.REDUCE_MAX, u8(3, 250, 7)), 250);
        assertClose(eval(Op.REDUCE_MAX, f64(1, Double.NaN, 3)), Double.NaN);
        assertBools(eval(Op.REDUCE_ANY, attrs().putInts("axes", 1).build(), shaped(bools(false, true, false, false), 2, 2)),
                true, false);
        assertBools(eval(Op.REDUCE_ALL, attrs().putInts("axes", 0).build(), shaped(bools(true, true, false, true), 2, 2)),
                false, true);
    }

    @Test
    void emptyReductionsGiveIdentities() {
        HostTensor empty = HostTensor.zeros(DType.FLOAT32, 0);
        assertClose(eval(Op.REDUCE_SUM, empty), 0);
        assertClose(eval(Op.REDUCE_PROD, empty), 1);
        assertClose(eval(Op.REDUCE_MAX, empty), Double.NEGATIVE_INFINITY);
        assertClose(eval(Op.REDUCE_MEAN, empty), Double.NaN);
        assertLongs(eval(Op.REDUCE_MIN, HostTensor.zeros(DType.INT32, 0)), Integer.MAX_VALUE);
        assertBools(eval(Op.REDUCE_ALL, HostTensor.zeros(DType.BOOL, 0)), true);
    }

    @Test
    void argmaxAndArgmin() {
        HostTensor x = shaped(f32(1f, 9f, 9f, 4f, 0f, 2f), 2, 3);
        HostTensor a = eval(Op.ARGMAX, attrs().put("axis", 1).build(), x);
        assertShape(a, DType.INT64, 2);
        assertLongs(a, 1, 0);
        assertLongs(eval(Op.ARGMIN, attrs().put("axis", 0).put("output_type", DType.INT32).build(), x), 0, 1, 1);
        assertLongs(eval(Op.ARGMAX, f64(1, Double.NaN, 5)), 1);
        assertLongs(eval(Op.ARGMIN, i64(5, -3, -3)), 1);
    }

    @Test
    void matmulWithTransposesAndBatchBroadcast() {
        HostTensor b = shaped(f64(1, 0, 0, 1, 1, 1), 3, 2);
        HostTensor c = eval(Op.MATMUL, m23, b);
        assertShape(c, DType.FLOAT64, 2, 2);
        assertClose(c, 4, 5, 10, 11);
        HostTensor ct = eval(Op.MATMUL, attrs().put("transpose_a", true).put("transpose_b", true).build(),
                shaped(f64(1, 4, 2, 5, 3, 6), 3, 2), shaped(f64(1, 0, 1, 0, 1, 1), 2, 3));
        assertClose(ct, 4, 5, 10, 11);
        HostTensor batch = shaped(i32(1, 2, 3, 4, 5, 6, 7, 8), 2, 2, 2);
        HostTensor eye = shaped(i32(1, 0, 0, 1), 2, 2);
        HostTensor r = eval(Op.MATMUL, batch, eye);
        assertShape(r, DType.INT32, 2, 2, 2);
        assertLongs(r, 1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void softmaxIsStable() {
        HostTensor x = shaped(f64(1, 2, 3, 1000, 1000, 1000), 2, 3);
        double e1 = Math.exp(1);
        double e2 = Math.exp(2);
        double e3 = Math.exp(3);
        double s = e1 + e2 + e3;
        assertClose(eval(Op.SOFTMAX, x), e1 / s, e2 / s, e3 / s, 1 / 3.0, 1 / 3.0, 1 / 3.0);
        assertClose(eval(Op.LOG_SOFTMAX, x), 1 - Math.log(s), 2 - Math.log(s), 3 - Math.log(s),
                -Math.log(3), -Math.log(3), -Math.log(3));
        HostTensor columns = eval(Op.SOFTMAX, attrs().put("axis", 0).build(), shaped(f64(0, 0, 0, Math.log(3)), 2, 2));
        assertClose(columns, 0.5, 0.25, 0.5, 0.75);
    }

    @Test
    void reshapeTransposeAndFriends() {
        HostTensor r = eval(Op.RESHAPE, attrs().put("shape", new Attr.ShapeAttr(
                java.util.List.of(Dim.of(3), Dim.of(1)), java.util.List.of(1))).build(), m23);
        assertShape(r, DType.FLOAT64, 3, 2);
        assertClose(r, 1, 2, 3, 4, 5, 6);
        HostTensor t = eval(Op.TRANSPOSE, m23);
        assertShape(t, DType.FLOAT64, 3, 2);
        assertClose(t, 1, 4, 2, 5, 3, 6);
        HostTensor cube = shaped(i32(0, 1, 2, 3, 4, 5, 6, 7), 2, 2, 2);
        assertLongs(eval(Op.TRANSPOSE, attrs().putInts("perm", 1, 0, 2).build(), cube), 0, 1, 4, 5, 2, 3, 6, 7);
        assertShape(eval(Op.EXPAND_DIMS, attrs().put("axis", -1).build(), m23), DType.FLOAT64, 2, 3, 1);
        assertShape(eval(Op.EXPAND_DIMS, attrs().put("axis", 0).build(), m23), DType.FLOAT64, 1, 2, 3);
        HostTensor ones = shaped(f32(5f), 1, 1, 1);
        assertShape(eval(Op.SQUEEZE, ones), DType.FLOAT32);
        assertShape(eval(Op.SQUEEZE, attrs().putInts("axes", 1).build(), ones), DType.FLOAT32, 1, 1);
        HostTensor b = eval(Op.BROADCAST_TO, attrs().put("shape", Shape.of(2, 3)).build(), f64(7, 8, 9));
        assertClose(b, 7, 8, 9, 7, 8, 9);
    }

    @Test
    void concatAlongAnyAxis() {
        HostTensor a = shaped(i32(1, 2), 1, 2);
        HostTensor b = shaped(i32(3, 4, 5, 6), 2, 2);
        HostTensor c0 = eval(Op.CONCAT, attrs().put("axis", 0).build(), a, b);
        assertShape(c0, DType.INT32, 3, 2);
        assertLongs(c0, 1, 2, 3, 4, 5, 6);
        HostTensor c1 = eval(Op.CONCAT, attrs().put("axis", -1).build(), shaped(i32(1, 2), 2, 1), b);
        assertLongs(c1, 1, 3, 4, 2, 5, 6);
    }

    @Test
    void sliceFollowsPythonSemantics() {
        HostTensor v = i32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertLongs(eval(Op.SLICE, attrs().putInts("begin", 2).putInts("end", 5).build(), v), 2, 3, 4);
        assertLongs(eval(Op.SLICE, attrs().putInts("begin", -3).putInts("end", 100).build(), v), 7, 8, 9);
        assertLongs(eval(Op.SLICE, attrs().putInts("begin", 0).putInts("end", 0).putInts("strides", -3)
                .put("begin_mask", 1).put("end_mask", 1).build(), v), 9, 6, 3, 0);
        assertLongs(eval(Op.SLICE, attrs().putInts("begin", 8).putInts("end", 2).putInts("strides", -2).build(), v), 8, 6, 4);
        assertLongs(eval(Op.SLICE, attrs().putInts("begin", 5).putInts("end", 2).build(), v));
        HostTensor m = eval(Op.SLICE, attrs().putInts("begin", 0, 1).putInts("end", 2, 3).build(), m23);
        assertShape(m, DType.FLOAT64, 2, 2);
        assertClose(m, 2, 3, 5, 6);
    }

    @Test
    void padInEveryMode() {
        HostTensor v = f64(1, 2, 3);
        assertClose(eval(Op.PAD, attrs().putInts("paddings", 2, 1).put("constant_value", -1.0).build(), v),
                -1, -1, 1, 2, 3, -1);
        assertClose(eval(Op.PAD, attrs().putInts("paddings", 2, 2).put("mode", "reflect").build(), v), 3, 2, 1, 2, 3, 2, 1);
        assertClose(eval(Op.PAD, attrs().putInts("paddings", 2, 2).put("mode", "symmetric").build(), v),
                2, 1, 1, 2, 3, 3, 2);
        HostTensor p = eval(Op.PAD, attrs().putInts("paddings", 1, 0, 0, 1).build(), shaped(i32(1, 2, 3, 4), 2, 2));
        assertShape(p, DType.INT32, 3, 3);
        assertLongs(p, 0, 0, 0, 1, 2, 0, 3, 4, 0);
    }

    @Test
    void tileRepeats() {
        HostTensor t = eval(Op.TILE, attrs().putInts("multiples", 2, 2).build(), shaped(i32(1, 2), 1, 2));
        assertShape(t, DType.INT32, 2, 4);
        assertLongs(t, 1, 2, 1, 2, 1, 2, 1, 2);
    }

    @Test
    void gatherWithAxisAndBatchDims() {
        HostTensor params = shaped(f64(10, 11, 12, 20, 21, 22), 2, 3);
        HostTensor rows = eval(Op.GATHER, params, i32(1, 0, 1));
        assertShape(rows, DType.FLOAT64, 3, 3);
        assertClose(rows, 20, 21, 22, 10, 11, 12, 20, 21, 22);
        HostTensor cols = eval(Op.GATHER, attrs().put("axis", 1).build(), params, shaped(i64(2, 0), 2));
        assertShape(cols, DType.FLOAT64, 2, 2);
        assertClose(cols, 12, 10, 22, 20);
        HostTensor perRow = eval(Op.GATHER, attrs().put("axis", 1).put("batch_dims", 1).build(), params,
                shaped(i32(2, 0), 2, 1));
        assertShape(perRow, DType.FLOAT64, 2, 1);
        assertClose(perRow, 12, 20);
        EvaluationException e = assertThrows(EvaluationException.class, () -> eval(Op.GATHER, params, i32(2)));
        assertTrue(e.getMessage().contains("index 2 is out of range [0, 2)"), e.getMessage());
    }

    @Test
    void oneHotPlacesTheNewAxis() {
        HostTensor h = eval(Op.ONE_HOT, attrs().put("depth", 3).build(), i32(0, 2, 5, -1));
        assertShape(h, DType.FLOAT32, 4, 3);
        assertClose(h, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        HostTensor first = eval(Op.ONE_HOT, attrs().put("depth", 2).put("axis", 0).put("dtype", DType.INT32)
                .put("on_value", 5.0).put("off_value", -1.0).build(), i32(1, 0, 1));
        assertShape(first, DType.INT32, 2, 3);
        assertLongs(first, -1, 5, -1, 5, -1, 5);
    }

    @Test
    void creationOps() {
        HostTensor c = eval(Op.CONSTANT, attrs().put("value", f32(1f, 2f)).build());
        assertClose(c, 1, 2);
        HostTensor filled = eval(Op.FILL, attrs().put("shape", Shape.of(2, 2)).build(), HostTensor.of(new long[] {7}));
        assertShape(filled, DType.INT64, 2, 2);
        assertLongs(filled, 7, 7, 7, 7);
        assertClose(eval(Op.RANGE, attrs().put("start", 1.0).put("limit", 2.0).put("delta", 0.25).build()),
                1, 1.25, 1.5, 1.75);
        HostTensor ints = eval(Op.RANGE, attrs().put("limit", -3.0).put("delta", -1.0).put("dtype", DType.INT32).build());
        assertLongs(ints, 0, -1, -2);
    }

    @Test
    void randomNumbersAreSeededCounterBasedAndWellDistributed() {
        Attributes uniform = attrs().put("shape", Shape.of(10000)).put("seed", 42).put("minval", -1.0)
                .put("maxval", 3.0).build();
        HostTensor u = eval(Op.RANDOM_UNIFORM, uniform);
        assertEquals(u, eval(Op.RANDOM_UNIFORM, uniform), "same seed, same numbers");
        double mean = 0;
        for (int i = 0; i < u.size(); i++) {
            assertTrue(u.getDouble(i) >= -1 && u.getDouble(i) < 3);
            mean += u.getDouble(i) / u.size();
        }
        assertEquals(1.0, mean, 0.05);
        HostTensor shorter = eval(Op.RANDOM_UNIFORM, attrs().put("shape", Shape.of(5)).put("seed", 42)
                .put("minval", -1.0).put("maxval", 3.0).build());
        for (int i = 0; i < 5; i++) {
            assertEquals(u.getBits(i), shorter.getBits(i), "element " + i + " depends only on (seed, index)");
        }
        HostTensor n = eval(Op.RANDOM_NORMAL, attrs().put("shape", Shape.of(20000)).put("seed", 7)
                .put("dtype", DType.FLOAT64).put("mean", 2.0).put("stddev", 0.5).build());
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < n.size(); i++) {
            sum += n.getDouble(i);
            squares += n.getDouble(i) * n.getDouble(i);
        }
        double m = sum / n.size();
        assertEquals(2.0, m, 0.02);
        assertEquals(0.25, squares / n.size() - m * m, 0.01);
    }

    @Test
    void philoxMatchesThePublishedKnownAnswer() {
        // Random123's known-answer test for philox4x32_10: counter = key = 0.
        int[] block = io.jitflow.ir.ops.Philox.block(0, 0);
        assertEquals(0x6627e8d5, block[0]);
        assertEquals(0xe169c58d, block[1]);
        assertEquals(0xbc57ac4c, block[2]);
        assertEquals(0x9b00dbd8, block[3]);
    }

    @Test
    void movementAndIndexingWorkOnEveryDtypeClass() {
        HostTensor b = shaped(bools(true, false, false, true, true, false), 2, 3);
        assertBools(eval(Op.TRANSPOSE, b), true, true, false, true, false, false);
        assertBools(eval(Op.CONCAT, attrs().put("axis", 0).build(), b, b), true, false, false, true, true, false,
                true, false, false, true, true, false);
        assertBools(eval(Op.PAD, attrs().putInts("paddings", 0, 0, 1, 0).put("constant_value", 1.0).build(), b),
                true, true, false, false, true, true, true, false);
        assertBools(eval(Op.TILE, attrs().putInts("multiples", 1, 2).build(), shaped(bools(true, false), 2, 1)),
                true, true, false, false);
        assertBools(eval(Op.GATHER, attrs().put("axis", 1).build(), b, i32(2)), false, false);
        assertBools(eval(Op.SLICE, attrs().putInts("begin", 1, 0).putInts("end", 2, 3).putInts("strides", 1, 2).build(), b),
                true, false);
        assertBools(eval(Op.ONE_HOT, attrs().put("depth", 2).put("dtype", DType.BOOL).build(), i32(1)), false, true);
        HostTensor u = shaped(u8(1, 2, 250, 4), 2, 2);
        assertLongs(eval(Op.RESHAPE, attrs().put("shape", Shape.of(4)).build(), u), 1, 2, 250, 4);
        assertLongs(eval(Op.BROADCAST_TO, attrs().put("shape", Shape.of(2, 2, 2)).build(), u), 1, 2, 250, 4, 1, 2, 250, 4);
        assertLongs(eval(Op.REDUCE_PROD, attrs().putInts("axes", 1).build(), u), 2, 232);
        assertLongs(eval(Op.REDUCE_MIN, attrs().putInts("axes", 0).build(), u), 1, 2);
        HostTensor h = eval(Op.CAST, attrs().put("dtype", DType.FLOAT16).build(), f32(0.5f, -1f, 2f, 65504f));
        HostTensor hm = eval(Op.MATMUL, shaped(h, 2, 2), shaped(h, 2, 2));
        assertShape(hm, DType.FLOAT16, 2, 2);
        // -0.5 - 65504 rounds back to -65504; 65504 * 2 overflows the half range.
        assertClose(hm, -1.75, -65504, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        assertClose(eval(Op.REDUCE_SUM, h), 65504);
        assertClose(eval(Op.SQUEEZE, eval(Op.EXPAND_DIMS, attrs().put("axis", 1).build(), h)), 0.5, -1, 2, 65504);
    }

    @Test
    void sliceUpdateReplacesExactlyTheSlice() {
        HostTensor v = i32(0, 1, 2, 3, 4, 5);
        assertLongs(eval(Op.SLICE_UPDATE, attrs().putInts("begin", 5).putInts("end", 0).putInts("strides", -2).build(),
                v, i32(50, 30, 10)), 0, 10, 2, 30, 4, 50);
        HostTensor m = eval(Op.SLICE_UPDATE, attrs().putInts("begin", 0, 2).putInts("end", 0, 3).put("begin_mask", 1)
                .put("end_mask", 1).build(), m23, shaped(f64(-1, -2), 2, 1));
        assertClose(m, 1, 2, -1, 4, 5, -2);
    }

    @Test
    void scatterAddIsGathersTranspose() {
        HostTensor x = shaped(f64(0, 0, 0, 0, 0, 0), 3, 2);
        HostTensor r = eval(Op.SCATTER_ADD, x, i32(2, 0, 2), shaped(f64(1, 2, 3, 4, 5, 6), 3, 2));
        assertClose(r, 3, 4, 0, 0, 6, 8);
        HostTensor cols = eval(Op.SCATTER_ADD, attrs().put("axis", 1).build(), shaped(i64(1, 1, 1, 1), 2, 2),
                i32(1, 1, 1), shaped(i64(1, 2, 3, 4, 5, 6), 2, 3));
        assertLongs(cols, 1, 7, 1, 16);
        EvaluationException e = assertThrows(EvaluationException.class, () -> eval(Op.SCATTER_ADD, x, i32(3),
                shaped(f64(1, 2), 1, 2)));
        assertTrue(e.getMessage().contains("index 3 is out of range [0, 3)"), e.getMessage());
    }
}
