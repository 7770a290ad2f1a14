package io.jitflow.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.compiler.AheadOfTime;
import io.jitflow.compiler.CompileOptions;
import io.jitflow.data.Mnist;
import io.jitflow.ir.DType;
import io.jitflow.keras.FitOptions;
import io.jitflow.keras.Model;
import io.jitflow.keras.Optimizer;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inference over DataFrames and data-parallel training on a local Spark (4 task threads, a failed
 * task tried again once), against the same model run on one machine.
 */
class SparkTest {
    private static final StructType SCHEMA = new StructType()
            .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("label", DataTypes.IntegerType, false);

    private static SparkSession spark;
    /** Set by a test to make the task that reads row 2,000 (partition 1 of 4) fail once. */
    private static final AtomicBoolean FAIL_ONCE = new AtomicBoolean();
    private static Mnist mnist;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkSession.builder().master("local[4,2]").appName("jitflow-tests").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").config("spark.locality.wait", "0").getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        mnist = Mnist.load(Path.of("..", "examples", "data", "mnist-10k"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /**
     * The images as rows of 784 pixels and a label, in {@code partitions} contiguous slices, in order.
     * The rows are made in the tasks from a broadcast copy, as a file source would read them: a
     * parallelized list of rows would travel inside every task of every step.
     */
    private static Dataset<Row> rows(Tensor images, Tensor labels, int partitions) {
        int n = images.shape()[0];
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.spark.broadcast.Broadcast<float[]> pixels = sc.broadcast(Jf.reshape(images, n, 784).toFloatArray());
        org.apache.spark.broadcast.Broadcast<int[]> classes = sc.broadcast(labels.cast(DType.INT32).toIntArray());
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            indices.add(i);
        }
        return spark.createDataFrame(sc.parallelize(indices, partitions).map(i -> {
            if (i == 2000 && TaskContext.get().attemptNumber() == 0 && FAIL_ONCE.getAndSet(false)) {
                throw new IllegalStateException("a failure injected into partition 1's first attempt");
            }
            Float[] row = new Float[784];
            for (int j = 0; j < 784; j++) {
                row[j] = pixels.value()[i * 784 + j];
            }
            return RowFactory.create(row, classes.value()[i]);
        }), SCHEMA);
    }

    private static Sequential mlp(long seed) {
        Jf.setRandomSeed(seed);
        Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(32, "relu"), new Dense(10, "softmax"));
        model.compile(new Optimizer.Adam(0.002), "sparse_categorical_crossentropy", "accuracy");
        return model;
    }

    private static float[] scored(Dataset<Row> scored, String column) {
        List<Row> rows = scored.select(column).collectAsList();
        int width = rows.get(0).getList(0).size();
        float[] out = new float[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) {
            List<Object> values = rows.get(i).getList(0);
            for (int j = 0; j < width; j++) {
                out[i * width + j] = (Float) values.get(j);
            }
        }
        return out;
    }

    @Test
    void scoringADataFrameEqualsPredictBitForBitFromAGraphFileAndAnAotJar() throws Exception {
        Sequential model = mlp(1);
        model.fit(mnist.trainImages(), mnist.trainLabels(), FitOptions.epochs(1).batchSize(64).verbose(0));
        Path file = dir.resolve("mnist.jfg");
        model.save(file);
        float[] expected = model.predict(mnist.testImages()).toFloatArray();
        Dataset<Row> test = rows(mnist.testImages(), mnist.testLabels(), 4);
        assertArrayEquals(expected, scored(JitflowSpark.predict(test, file, List.of("pixels"), "probabilities"),
                "probabilities"), 0f);
        Path jar = dir.resolve("mnist.jar");
        AheadOfTime.compile(file, jar, AheadOfTime.Target.CPU, CompileOptions.fromSystemProperties());
        assertArrayEquals(expected, scored(JitflowSpark.predict(test, jar, "predict", List.of("pixels"), "probabilities",
                100), "probabilities"), 0f);

        JitflowSpark.registerUdf(spark, "jitflow_predict", file, null);
        test.limit(20).createOrReplaceTempView("digits");
        float[] sql = scored(spark.sql("select jitflow_predict(pixels) as p from digits"), "p");
        assertArrayEquals(java.util.Arrays.copyOf(expected, 200), sql, 0f);
    }

    /** Vector, binary (float32 bytes) and numeric columns give the same outputs as an array column. */
    @Test
    void vectorBinaryAndNumericColumnsAreInputsToo() throws Exception {
        Jf.setRandomSeed(6);
        Sequential model = new Sequential(new Input(3), new Dense(2, "tanh"));
        Path file = dir.resolve("small.jfg");
        model.save(file);
        float[][] x = {{1, 2, 3}, {-1, 0.5f, 2}, {0, 0, 1}};
        float[] expected = model.predict(Jf.constant(x)).toFloatArray();
        List<Row> rows = new ArrayList<>();
        for (float[] r : x) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : r) {
                bytes.putFloat(v);
            }
            rows.add(RowFactory.create(org.apache.spark.ml.linalg.Vectors.dense(r[0], r[1], r[2]), bytes.array(),
                    (double) r[0], (double) r[1], (double) r[2]));
        }
        StructType schema = new StructType().add("v", new org.apache.spark.ml.linalg.VectorUDT())
                .add("b", DataTypes.BinaryType).add("x0", DataTypes.DoubleType).add("x1", DataTypes.DoubleType)
                .add("x2", DataTypes.DoubleType);
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        assertArrayEquals(expected, scored(JitflowSpark.predict(df, file, List.of("v"), "y"), "y"), 0f);
        assertArrayEquals(expected, scored(JitflowSpark.predict(df, file, List.of("b"), "y"), "y"), 0f);
        assertArrayEquals(expected, scored(JitflowSpark.predict(df, file, List.of("x0", "x1", "x2"), "y"), "y"), 0f);
    }

    @Test
    void badInputIsRefusedByName() throws Exception {
        Sequential model = mlp(2);
        Path file = dir.resolve("m.jfg");
        model.save(file);
        Dataset<Row> test = rows(mnist.testImages(), mnist.testLabels(), 2);
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> JitflowSpark.predict(test, file, List.of("image"), "y"));
        assertEquals("jitflow: no column image (columns: pixels, label)", missing.getMessage());
        Dataset<Row> words = test.selectExpr("cast(label as string) as text");
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> JitflowSpark.predict(words, file, List.of("text"), "y"));
        assertEquals("jitflow: input column text is string; expected an array of numbers, a Spark ML vector, binary tensor"
                + " bytes or numbers", type.getMessage());
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> JitflowSpark.predict(test, dir.resolve("nothing.jfg"), List.of("pixels"), "y"));
        assertTrue(path.getMessage().startsWith("jitflow: cannot read the model "), path.getMessage());
        Dataset<Row> short783 = test.selectExpr("slice(pixels, 1, 783) as pixels");
        SparkException width = assertThrows(SparkException.class,
                () -> JitflowSpark.predict(short783, file, List.of("pixels"), "y").collectAsList());
        assertTrue(rootMessage(width).contains("pixels give 783 values in row 0 of its partition; the model takes 784"),
                rootMessage(width));
        Dataset<Row> nulls = test.selectExpr("if(label = 7, null, pixels) as pixels");
        SparkException isNull = assertThrows(SparkException.class,
                () -> JitflowSpark.predict(nulls, file, List.of("pixels"), "y").collectAsList());
        assertTrue(rootMessage(isNull).contains("column pixels is null in row"), rootMessage(isNull));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    /**
     * The same global batches on one machine: batch k is each partition's k-th slice of 32 rows, one
     * partition after the other (2,000 training digits per partition).
     */
    private static Tensor[] asGlobalBatches(Tensor images, Tensor labels, int partitions, int share) {
        int n = images.shape()[0];
        int per = n / partitions;
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k * share < per; k++) {
            for (int p = 0; p < partitions; p++) {
                for (int i = k * share; i < Math.min(per, (k + 1) * share); i++) {
                    order.add(p * per + i);
                }
            }
        }
        Tensor index = Jf.constant(order.stream().mapToInt(Integer::intValue).toArray());
        return new Tensor[] {Jf.gather(images, index, 0), Jf.gather(labels, index, 0)};
    }

    @Test
    void synchronousTrainingIsOneMachinesTrainingOnTheSameGlobalBatches() {
        Dataset<Row> train = rows(mnist.trainImages(), mnist.trainLabels(), 4);
        Sequential distributed = mlp(3);
        List<Double> losses = SparkTrainer.synchronous(distributed, 128).shuffle(false).fit(train, "pixels", "label", 3);
        Sequential single = mlp(3);
        Tensor[] same = asGlobalBatches(mnist.trainImages(), mnist.trainLabels(), 4, 32);
        List<Double> reference = single.fit(same[0], same[1], FitOptions.epochs(3).batchSize(128).shuffle(false)
                .verbose(0)).get("loss");
        for (int i = 0; i < 3; i++) {
            assertEquals(reference.get(i), losses.get(i), 1e-4, "epoch " + i + " loss");
        }
        List<Tensor> a = single.getWeights();
        List<Tensor> b = distributed.getWeights();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), 2e-4f, "weight " + i + " after 3 epochs");
        }
    }

    private static double accuracy(Model model) {
        return model.evaluate(mnist.testImages(), mnist.testLabels()).get("accuracy");
    }

    @Test
    void parameterAveragingReachesOneMachinesAccuracy() {
        Dataset<Row> train = rows(mnist.trainImages(), mnist.trainLabels(), 4);
        Sequential averaged = mlp(4);
        SparkTrainer.averaging(averaged, 32, 8).seed(2).fit(train, "pixels", "label", 4);
        Sequential single = mlp(4);
        single.fit(mnist.trainImages(), mnist.trainLabels(), FitOptions.epochs(4).batchSize(32).verbose(0));
        double a = accuracy(averaged);
        double b = accuracy(single);
        assertTrue(Math.abs(a - b) <= 0.01, "averaging " + a + ", one machine " + b);
    }

    /**
     * Checkpoints each epoch, and a run resumed from the first one ends where the whole run does,
     * bit for bit; a task that fails once is run again by Spark and changes nothing.
     */
    @Test
    void aResumedRunAndARetriedTaskChangeNothing() throws Exception {
        Dataset<Row> train = rows(mnist.trainImages(), mnist.trainLabels(), 4);
        Sequential whole = mlp(5);
        Path checkpoints = dir.resolve("checkpoints");
        SparkTrainer.synchronous(whole, 256).seed(3).checkpoints(checkpoints).fit(train, "pixels", "label", 2);
        assertTrue(Files.exists(checkpoints.resolve("epoch-001.jfg")) && Files.exists(checkpoints.resolve("epoch-002.jfg")));

        Model resumed = Model.load(checkpoints.resolve("epoch-001.jfg"));
        FAIL_ONCE.set(true);
        SparkTrainer.synchronous(resumed, 256).seed(3).fit(rows(mnist.trainImages(), mnist.trainLabels(), 4), "pixels",
                "label", 1, 2);
        assertTrue(!FAIL_ONCE.get(), "the injected failure happened");
        List<Tensor> a = whole.getWeights();
        List<Tensor> b = resumed.getWeights();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).toFloatArray(), b.get(i).toFloatArray(), 0f, "weight " + i);
        }
    }
}
