package io.jitflow.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference with Jitflow models over Spark DataFrames. The model (a graph file with its
 * sidecars, a Keras model saved by {@code Model.save}, or an AOT jar) is read on the driver,
 * checked, and broadcast once; each executor loads and compiles it once per task thread, and each
 * partition's rows go through it in batches.
 *
 * <pre>{@code
 * Dataset<Row> scored = JitflowSpark.predict(images, Path.of("mnist.jfg"), List.of("pixels"), "probabilities");
 * }</pre>
 */
public final class JitflowSpark {
    /** Rows per call of the compiled model, unless told otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 256;

    private JitflowSpark() {
    }

    public static Dataset<Row> predict(Dataset<Row> data, Path model, List<String> inputColumns, String outputColumn) {
        return predict(data, model, null, inputColumns, outputColumn, DEFAULT_BATCH_SIZE);
    }

    /**
     * {@code data} with a new column {@code outputColumn} (an array of float32: each row's output)
     * computed by {@code function} of {@code model} (null: its "predict", or its only function) on
     * the row's {@code inputColumns}, {@code batchSize} rows per call. The input columns' types,
     * the model and the function are checked here, before any job; nulls and widths as the rows are read.
     */
    public static Dataset<Row> predict(Dataset<Row> data, Path model, String function, List<String> inputColumns,
            String outputColumn, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("jitflow: the batch size must be >= 1, got " + batchSize);
        }
        StructType schema = data.schema();
        Features features = Features.of(schema, inputColumns);
        if (Features.has(schema, outputColumn)) {
            throw new IllegalArgumentException("jitflow: the output column " + outputColumn + " exists already");
        }
        ModelFiles files = ModelFiles.read(model);
        int width = width(files, function);
        Broadcast<ModelFiles> shipped = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext())
                .broadcast(files);
        StructType out = schema.add(outputColumn, DataTypes.createArrayType(DataTypes.FloatType, false), false);
        MapPartitionsFunction<Row, Row> score = rows -> new Scored(rows, features, shipped.value(), function, width,
                batchSize);
        return data.mapPartitions(score, Encoders.row(out));
    }

    /**
     * Registers {@code name} (say {@code jitflow_predict}) as a SQL function of one column (an array
     * of numbers, a vector or tensor bytes) giving the model's output as an array of float32. It
     * runs the compiled model row by row, as Spark calls UDFs; {@link #predict} batches.
     */
    public static void registerUdf(SparkSession spark, String name, Path model, String function) {
        ModelFiles files = ModelFiles.read(model);
        int width = width(files, function);
        Broadcast<ModelFiles> shipped = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(files);
        UDF1<Object, float[]> udf = value -> {
            if (value == null) {
                return null;
            }
            float[] x = Features.checked(Features.floats(value, name, 0), name, 0, width);
            Predictor predictor = shipped.value().take(function);
            try {
                return predictor.predict(x, 1)[0];
            } finally {
                shipped.value().give(function, predictor);
            }
        };
        spark.udf().register(name, udf, DataTypes.createArrayType(DataTypes.FloatType, false));
    }

    /** The floats per example that {@code function} takes, loading the model here first: a bad model fails before any job. */
    private static int width(ModelFiles files, String function) {
        Predictor p = files.take(function);
        files.give(function, p);
        return p.width();
    }

    /** A partition's rows, each with its output appended, computed a batch at a time. */
    private static final class Scored implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Features features;
        private final ModelFiles model;
        private final String function;
        private Predictor predictor;
        private final int width;
        private final int batchSize;
        private final List<Row> pending = new ArrayList<>();
        private float[][] outputs;
        private int next;
        private long read;

        Scored(Iterator<Row> rows, Features features, ModelFiles model, String function, int width, int batchSize) {
            this.rows = rows;
            this.features = features;
            this.model = model;
            this.function = function;
            this.width = width;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() {
            if (next < pending.size()) {
                return true;
            }
            pending.clear();
            next = 0;
            float[] batch = new float[batchSize * width];
            while (pending.size() < batchSize && rows.hasNext()) {
                Row row = rows.next();
                System.arraycopy(features.read(row, read++, width), 0, batch, pending.size() * width, width);
                pending.add(row);
            }
            if (pending.isEmpty()) {
                if (predictor != null) {
                    model.give(function, predictor);
                    predictor = null;
                }
                return false;
            }
            if (predictor == null) {
                predictor = model.take(function);
            }
            outputs = predictor.predict(pending.size() == batchSize ? batch
                    : java.util.Arrays.copyOf(batch, pending.size() * width), pending.size());
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Row row = pending.get(next);
            Object[] values = new Object[row.size() + 1];
            for (int i = 0; i < row.size(); i++) {
                values[i] = row.get(i);
            }
            values[row.size()] = outputs[next++];
            return RowFactory.create(values);
        }
    }
}
