package io.jitflow.ir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.npy.Npy;
import io.jitflow.ir.npy.NpyFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** NPY files written by NumPy 2.4 (see src/test/resources/npy) read back exactly, and ours match NumPy's bytes. */
class NpyTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/npy/" + name)) {
            return in.readAllBytes();
        }
    }

    private static HostTensor read(String name) throws IOException {
        return Npy.read(resource(name), name);
    }

    @Test
    void readsEveryDtypeAndByteOrder() throws IOException {
        HostTensor le = read("f4_le.npy");
        OpHarness.assertShape(le, DType.FLOAT32, 2, 3);
        OpHarness.assertClose(le, 0, 0.5, 1, 1.5, 2, 2.5);
        assertEquals(le, read("f4_be.npy"));
        HostTensor f2 = read("f2.npy");
        OpHarness.assertShape(f2, DType.FLOAT16, 6);
        assertEquals(0x3c00, f2.getBits(0));
        assertEquals(0x7bff, f2.getBits(2));
        assertEquals(0x7c00, f2.getBits(3));
        assertEquals(0x0400, f2.getBits(4));
        assertEquals(0x8000, f2.getBits(5));
        OpHarness.assertLongs(read("i4.npy"), Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1);
        OpHarness.assertLongs(read("i8_be.npy"), Long.MIN_VALUE, Long.MAX_VALUE, 42);
        OpHarness.assertLongs(read("u1.npy"), 0, 255, 7);
        OpHarness.assertBools(read("b1.npy"), true, false, true);
        HostTensor scalar = read("scalar.npy");
        OpHarness.assertShape(scalar, DType.FLOAT32);
        assertEquals(3.25, scalar.getDouble(0));
        OpHarness.assertShape(read("empty.npy"), DType.FLOAT32, 0, 3);
    }

    @Test
    void readsVersionsTwoAndThree() throws IOException {
        OpHarness.assertLongs(read("v2.npy"), 0, 1, 2, 3);
        OpHarness.assertClose(read("v3.npy"), 0, 1, 2);
    }

    @Test
    void readsFortranOrderAsRowMajor() throws IOException {
        HostTensor f = read("f8_fortran.npy");
        OpHarness.assertShape(f, DType.FLOAT64, 3, 4);
        OpHarness.assertClose(f, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void writesTheBytesNumPyWrites() throws IOException {
        for (String name : new String[] {"f4_le.npy", "f2.npy", "i4.npy", "u1.npy", "b1.npy", "scalar.npy", "empty.npy"}) {
            assertArrayEquals(resource(name), Npy.toBytes(read(name)), name);
        }
        assertEquals(read("i8_be.npy"), Npy.read(Npy.toBytes(read("i8_be.npy")), "round trip"));
    }

    @Test
    void malformedFilesAreRefusedClearly() throws IOException {
        NpyFormatException dtype = assertThrows(NpyFormatException.class, () -> read("i1.npy"));
        assertTrue(dtype.getMessage().contains("unsupported dtype '|i1'"), dtype.getMessage());
        NpyFormatException magic = assertThrows(NpyFormatException.class, () -> Npy.read(new byte[20], "zeros.npy"));
        assertEquals("zeros.npy: not an NPY file (bad magic string)", magic.getMessage());
        byte[] full = resource("f4_le.npy");
        byte[] truncated = Arrays.copyOf(full, full.length - 4);
        NpyFormatException data = assertThrows(NpyFormatException.class, () -> Npy.read(truncated, "cut.npy"));
        assertTrue(data.getMessage().contains("truncated data: shape [2, 3] of float32 needs 24 bytes, the file has 20"),
                data.getMessage());
        byte[] header = Arrays.copyOf(full, 40);
        NpyFormatException head = assertThrows(NpyFormatException.class, () -> Npy.read(header, "head.npy"));
        assertTrue(head.getMessage().contains("truncated NPY header"), head.getMessage());
        byte[] version = full.clone();
        version[6] = 9;
        NpyFormatException v = assertThrows(NpyFormatException.class, () -> Npy.read(version, "v9.npy"));
        assertTrue(v.getMessage().contains("unsupported NPY version 9.0"), v.getMessage());
    }
}
