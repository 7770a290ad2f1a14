package io.jitflow.spark;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.data.Mnist;
import io.jitflow.ir.DType;
import io.jitflow.keras.Model;
import io.jitflow.keras.Optimizer;
import io.jitflow.keras.Sequential;
import io.jitflow.keras.layers.Dense;
import io.jitflow.keras.layers.Flatten;
import io.jitflow.keras.layers.Input;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The example {@code jitflow example spark} runs (from the repository's folder, where
 * {@code examples/data/mnist-10k} lies): MNIST on a local Spark, with 1 and then 2 task threads: synchronous data-parallel training of
 * a 784-128-10 network (global batch 128), then scoring the 2,000 test digits as a DataFrame with
 * the saved model, with the examples and rows per second of each.
 */
public final class MnistOnSpark {
    private MnistOnSpark() {
    }

    public static void run(PrintStream out) {
        Mnist mnist;
        try {
            mnist = Mnist.load(Path.of("examples", "data", "mnist-10k"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the MNIST files in examples/data/mnist-10k: " + e.getMessage(), e);
        }
        for (int threads : new int[] {1, 2}) {
            SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("jitflow-mnist")
                    .config("spark.ui.enabled", "false").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            try {
                Dataset<Row> train = digits(spark, mnist.trainImages(), mnist.trainLabels(), 4);
                Dataset<Row> test = digits(spark, mnist.testImages(), mnist.testLabels(), 4);
                Jf.setRandomSeed(7);
                Sequential model = new Sequential(new Input(28, 28), new Flatten(), new Dense(128, "relu"),
                        new Dense(10, "softmax"));
                model.compile(new Optimizer.Adam(0.001), "sparse_categorical_crossentropy", "accuracy");
                long start = System.nanoTime();
                List<Double> losses = SparkTrainer.synchronous(model, 128).fit(train, "pixels", "label", 2);
                double trainSeconds = (System.nanoTime() - start) / 1e9;
                Path file = Files.createTempDirectory("jitflow-spark").resolve("mnist.jfg");
                model.save(file);
                start = System.nanoTime();
                List<Row> scored = JitflowSpark.predict(test, file, List.of("pixels"), "probabilities")
                        .select("label", "probabilities").collectAsList();
                double scoreSeconds = (System.nanoTime() - start) / 1e9;
                int right = 0;
                for (Row r : scored) {
                    List<Float> p = r.getList(1);
                    int best = 0;
                    for (int i = 1; i < p.size(); i++) {
                        best = p.get(i) > p.get(best) ? i : best;
                    }
                    right += best == r.getInt(0) ? 1 : 0;
                }
                out.printf("local[%d]: training 2 epochs on 8,000 digits in 4 partitions: loss %.4f, %.1f s (%,.0f examples/s);"
                        + " scoring 2,000 test digits: accuracy %.4f, %.2f s (%,.0f rows/s)%n", threads, losses.get(1),
                        trainSeconds, 16_000 / trainSeconds, right / 2000.0, scoreSeconds, 2000 / scoreSeconds);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                spark.stop();
            }
        }
    }

    /** The digits as rows (pixels as an array of 784 floats, the label), made in the tasks from broadcast arrays. */
    static Dataset<Row> digits(SparkSession spark, Tensor images, Tensor labels, int partitions) {
        int n = images.shape()[0];
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> pixels = sc.broadcast(Jf.reshape(images, n, 784).cast(DType.FLOAT32).toFloatArray());
        Broadcast<int[]> classes = sc.broadcast(labels.cast(DType.INT32).toIntArray());
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            indices.add(i);
        }
        StructType schema = new StructType().add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(sc.parallelize(indices, partitions).map(i -> {
            Float[] row = new Float[784];
            for (int j = 0; j < 784; j++) {
                row[j] = pixels.value()[i * 784 + j];
            }
            return RowFactory.create(row, classes.value()[i]);
        }), schema);
    }
}
