package io.jitflow.spark;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How a row's input columns become one example's floats: one column holding an array of numbers,
 * a Spark ML {@code Vector} or tensor bytes (float32, little-endian), or several numeric columns,
 * one value each. The columns' types are checked on the driver, before any job; the values (nulls,
 * widths) in the tasks, each error naming the column and what it expected.
 */
final class Features implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> columns;
    private final int[] indices;

    private Features(List<String> columns, int[] indices) {
        this.columns = List.copyOf(columns);
        this.indices = indices;
    }

    /** The reading of {@code columns} of rows of {@code schema}; a missing column or one of another type is an error. */
    static Features of(StructType schema, List<String> columns) {
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("jitflow: name the input column(s)");
        }
        int[] indices = new int[columns.size()];
        List<DataType> types = new ArrayList<>();
        for (int i = 0; i < indices.length; i++) {
            String c = columns.get(i);
            if (!List.of(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("jitflow: no column " + c + " (columns: " + String.join(", ",
                        schema.fieldNames()) + ")");
            }
            indices[i] = schema.fieldIndex(c);
            types.add(schema.fields()[indices[i]].dataType());
        }
        if (columns.size() > 1) {
            for (int i = 0; i < indices.length; i++) {
                if (!(types.get(i) instanceof NumericType)) {
                    throw new IllegalArgumentException("jitflow: input column " + columns.get(i) + " is "
                            + types.get(i).simpleString() + "; several input columns must each hold one number");
                }
            }
            return new Features(columns, indices);
        }
        DataType type = types.get(0);
        if (!(type instanceof ArrayType a && a.elementType() instanceof NumericType || type instanceof BinaryType
                || type.typeName().equals("vector") || type instanceof NumericType)) {
            throw new IllegalArgumentException("jitflow: input column " + columns.get(0) + " is " + type.simpleString()
                    + "; expected an array of numbers, a Spark ML vector, binary tensor bytes or numbers");
        }
        return new Features(columns, indices);
    }

    /** The floats of one row, checked against the model's {@code width}; {@code row} numbers it in errors. */
    float[] read(Row values, long row, int width) {
        for (int i = 0; i < indices.length; i++) {
            if (values.isNullAt(indices[i])) {
                throw new IllegalArgumentException("jitflow: column " + columns.get(i) + " is null in row " + row
                        + " of its partition; drop or fill nulls first");
            }
        }
        float[] out;
        if (indices.length == 1) {
            out = floats(values.get(indices[0]), columns.get(0), row);
        } else {
            out = new float[indices.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = ((Number) values.get(indices[i])).floatValue();
            }
        }
        return checked(out, String.join(", ", columns), row, width);
    }

    static float[] checked(float[] values, String columns, long row, int width) {
        if (values.length != width) {
            throw new IllegalArgumentException("jitflow: " + columns + " give " + values.length + " values in row " + row
                    + " of its partition; the model takes " + width);
        }
        return values;
    }

    /** One column's value as floats: an array of numbers, a Spark ML vector, float32 bytes or a number. */
    static float[] floats(Object value, String column, long row) {
        Object v = value instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq) : value;
        if (v instanceof List<?> list) {
            float[] f = new float[list.size()];
            for (int i = 0; i < f.length; i++) {
                if (!(list.get(i) instanceof Number n)) {
                    throw new IllegalArgumentException("jitflow: column " + column + " has a null element in row " + row
                            + " of its partition");
                }
                f[i] = n.floatValue();
            }
            return f;
        }
        if (v instanceof Vector vector) {
            double[] d = vector.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        if (v instanceof byte[] bytes) {
            if (bytes.length % 4 != 0) {
                throw new IllegalArgumentException("jitflow: column " + column + " holds " + bytes.length + " bytes in row "
                        + row + " of its partition, not float32 values (4 bytes each)");
            }
            float[] f = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }
        if (v instanceof Number n) {
            return new float[] {n.floatValue()};
        }
        throw new IllegalArgumentException("jitflow: column " + column + " holds " + (v == null ? "null"
                : v.getClass().getName()) + " in row " + row + "; expected numbers, a vector or float32 bytes");
    }

    /** Whether a field of this name is among the inputs (the output column must be new). */
    static boolean has(StructType schema, String column) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(column)) {
                return true;
            }
        }
        return false;
    }
}
