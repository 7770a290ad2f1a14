package io.jitflow.ir;

import static io.jitflow.ir.OpHarness.assertClose;
import static io.jitflow.ir.OpHarness.assertShape;
import static io.jitflow.ir.OpHarness.attrs;
import static io.jitflow.ir.OpHarness.eval;
import static io.jitflow.ir.OpHarness.f64;
import static io.jitflow.ir.OpHarness.shaped;

import org.junit.jupiter.api.Test;

/** Batch and layer normalization and resizing, checked by hand on small cases. */
class CompositeOpsTest {
    @Test
    void batchNormUsesTheGivenStatisticsPerChannel() {
        Attributes exact = attrs().put("epsilon", 0.0).build();
        HostTensor scale = f64(2, 1);
        HostTensor offset = f64(0, 10);
        HostTensor mean = f64(1, 2);
        HostTensor variance = f64(4, 0.25);
        // (x - mean) * scale / sqrt(variance) + offset: channel 0 is x - 1, channel 1 is 2 (x - 2) + 10.
        assertClose(eval(Op.BATCH_NORM, exact, shaped(f64(1, 2, 3, 4), 2, 2), scale, offset, mean, variance), 0, 10, 2, 14);
        HostTensor first = eval(Op.BATCH_NORM, attrs().put("epsilon", 0.0).put("axis", 1L).build(),
                shaped(f64(1, 2, 3, 4), 1, 2, 2), scale, offset, mean, variance);
        assertShape(first, DType.FLOAT64, 1, 2, 2);
        assertClose(first, 0, 1, 12, 14);
    }

    @Test
    void layerNormNormalizesEachRowThenScalesAndShifts() {
        HostTensor x = shaped(f64(1, 2, 3, 4, 0, 0, 4, 4), 2, 4);
        double s = Math.sqrt(1.25);
        assertClose(eval(Op.LAYER_NORM, attrs().put("epsilon", 0.0).build(), x, f64(1, 1, 1, 2), f64(0, 0, 0, 1)),
                -1.5 / s, -0.5 / s, 0.5 / s, 2 * 1.5 / s + 1, -1, -1, 1, 3);
        // Over both axes of each [2, 2] matrix: the mean of 1, 2, 3, 4 is 2.5 whatever the layout.
        HostTensor block = eval(Op.LAYER_NORM, attrs().put("epsilon", 0.0).put("axis", 1L).build(),
                shaped(f64(1, 2, 3, 4), 1, 2, 2), shaped(f64(1, 1, 1, 1), 2, 2), shaped(f64(0, 0, 0, 0), 2, 2));
        assertClose(block, -1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s);
    }

    @Test
    void resizeSamplesAsTensorFlowAndKeras() {
        Attributes.Builder up = attrs().putInts("sizes", 4);
        // Keras's UpSampling: nearest, asymmetric, each element repeated.
        assertClose(eval(Op.RESIZE, up.put("coordinate_transformation", "asymmetric").build(), shaped(f64(1, 2), 1, 2, 1)),
                1, 1, 2, 2);
        HostTensor ramp = shaped(f64(0, 10), 1, 2, 1);
        assertClose(eval(Op.RESIZE, attrs().putInts("sizes", 4).put("mode", "bilinear").build(), ramp), 0, 2.5, 7.5, 10);
        assertClose(eval(Op.RESIZE, attrs().putInts("sizes", 3).put("mode", "bilinear")
                .put("coordinate_transformation", "align_corners").build(), ramp), 0, 5, 10);
        assertClose(eval(Op.RESIZE, attrs().putInts("sizes", 2).build(), shaped(f64(1, 2, 3), 1, 3, 1)), 1, 3);
        // Two spatial dims, channels first: rows then columns, each doubled.
        HostTensor image = eval(Op.RESIZE, attrs().putInts("sizes", 4, 2).put("data_format", "channels_first")
                .put("coordinate_transformation", "asymmetric").build(), shaped(f64(1, 2, 3, 4), 1, 1, 2, 2));
        assertShape(image, DType.FLOAT64, 1, 1, 4, 2);
        assertClose(image, 1, 2, 1, 2, 3, 4, 3, 4);
    }
}
