package io.jitflow.cpu;

import io.jitflow.ir.DType;
import org.objectweb.asm.Type;

/**
 * How dtypes live on the JVM: the type of a computed value (bool, uint8 and int32 as int,
 * float16 as float) and the array type of a buffer (float16 as the short bits).
 */
final class JvmTypes {
    private JvmTypes() {
    }

    static Type value(DType dtype) {
        return switch (dtype) {
            case BOOL, UINT8, INT32 -> Type.INT_TYPE;
            case INT64 -> Type.LONG_TYPE;
            case FLOAT16, FLOAT32 -> Type.FLOAT_TYPE;
            case FLOAT64 -> Type.DOUBLE_TYPE;
        };
    }

    static Type array(DType dtype) {
        return Type.getType(switch (dtype) {
            case BOOL -> boolean[].class;
            case UINT8 -> byte[].class;
            case INT32 -> int[].class;
            case INT64 -> long[].class;
            case FLOAT16 -> short[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
        });
    }

    /** The element type the array instruction works on (boolean arrays use the byte instructions). */
    static Type element(DType dtype) {
        return switch (dtype) {
            case BOOL -> Type.BOOLEAN_TYPE;
            case UINT8 -> Type.BYTE_TYPE;
            case INT32 -> Type.INT_TYPE;
            case INT64 -> Type.LONG_TYPE;
            case FLOAT16 -> Type.SHORT_TYPE;
            case FLOAT32 -> Type.FLOAT_TYPE;
            case FLOAT64 -> Type.DOUBLE_TYPE;
        };
    }
}
