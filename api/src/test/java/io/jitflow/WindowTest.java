package io.jitflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jitflow.ir.DType;
import org.junit.jupiter.api.Test;

/** Where windows go ("same" as TensorFlow places it) and what a wrong window is told. */
class WindowTest {
    private static final Tensor IMAGE = Jf.ones(DType.FLOAT32, 1, 5, 5, 1);
    private static final Tensor FILTER = Jf.ones(DType.FLOAT32, 3, 3, 1, 1);

    @Test
    void samePaddingKeepsCeilOfInputOverStride() {
        assertArrayEquals(new int[] {1, 5, 5, 1}, Jf.conv(IMAGE, FILTER, Window.same()).shape());
        assertArrayEquals(new int[] {1, 3, 3, 1}, Jf.conv(IMAGE, FILTER, Window.same().strides(2, 2)).shape());
        // A corner sees 2 x 2 ones of the 3 x 3 window, the centre all 9.
        Tensor sums = Jf.conv(IMAGE, FILTER, Window.same());
        assertEquals(4f, sums.toFloatArray()[0]);
        assertEquals(9f, sums.toFloatArray()[12]);
        assertArrayEquals(new int[] {1, 10, 10, 1}, Jf.convTranspose(IMAGE, FILTER, Window.same().strides(2, 2)).shape());
        assertArrayEquals(new int[] {1, 3, 3, 1}, Jf.maxPool(IMAGE, new int[] {2, 2}, Window.same().strides(2, 2)).shape());
    }

    @Test
    void wrongWindowsAreRefusedByName() {
        assertEquals("pads needs before and after for each of the 2 spatial dims, got [1, 1]",
                assertThrows(IllegalArgumentException.class, () -> Jf.conv(IMAGE, FILTER, Window.pads(1, 1))).getMessage());
        assertEquals("strides needs one entry per spatial dim (2), got [2]",
                assertThrows(IllegalArgumentException.class,
                        () -> Jf.conv(IMAGE, FILTER, Window.valid().strides(2))).getMessage());
        assertEquals("a filter has 1 to 3 spatial dims then two channel dims, got float32[3, 3]",
                assertThrows(IllegalArgumentException.class,
                        () -> Jf.conv(IMAGE, Jf.ones(DType.FLOAT32, 3, 3), Window.valid())).getMessage());
    }
}
