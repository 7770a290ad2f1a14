package io.jitflow.spark;

import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.ir.HostTensor;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;

/**
 * One partition's training examples, read once from its rows and cached by Spark: the features as
 * float32 rows, the labels as int32 class indices (an integer column) or float32 values (one per
 * number, or an array's). Each step takes a slice of it, in an order drawn per epoch.
 */
final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    private final int width;
    private final float[] x;
    private final int labelWidth;
    private final int[] classes;
    private final float[] values;

    private Shard(int partition, int rows, int width, float[] x, int labelWidth, int[] classes, float[] values) {
        this.partition = partition;
        this.rows = rows;
        this.width = width;
        this.x = x;
        this.labelWidth = labelWidth;
        this.classes = classes;
        this.values = values;
    }

    /** The rows' features (of {@code width} values) and labels (column {@code label} of each row). */
    static Shard of(int partition, Iterator<Row> input, Features features, int width, int label, boolean integerLabels) {
        java.util.List<float[]> xs = new java.util.ArrayList<>();
        java.util.List<float[]> ys = new java.util.ArrayList<>();
        long row = 0;
        while (input.hasNext()) {
            Row r = input.next();
            xs.add(features.read(r, row, width));
            if (r.isNullAt(label)) {
                throw new IllegalArgumentException("jitflow: the label is null in row " + row + " of partition " + partition);
            }
            ys.add(Features.floats(r.get(label), "label", row));
            row++;
        }
        int n = xs.size();
        int labelWidth = n == 0 ? 1 : ys.get(0).length;
        float[] x = new float[n * width];
        float[] y = new float[n * labelWidth];
        for (int i = 0; i < n; i++) {
            System.arraycopy(xs.get(i), 0, x, i * width, width);
            if (ys.get(i).length != labelWidth) {
                throw new IllegalArgumentException("jitflow: labels of row " + i + " of partition " + partition + " have "
                        + ys.get(i).length + " values, row 0's " + labelWidth);
            }
            System.arraycopy(ys.get(i), 0, y, i * labelWidth, labelWidth);
        }
        int[] classes = null;
        if (integerLabels) {
            classes = new int[n];
            for (int i = 0; i < n; i++) {
                classes[i] = (int) y[i];
            }
        }
        return new Shard(partition, n, width, x, labelWidth, classes, integerLabels ? null : y);
    }

    /** The order of this shard's rows in {@code epoch}: as read, or drawn from (seed, epoch, partition). */
    int[] order(boolean shuffle, long seed, int epoch) {
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random random = new Random(seed * 1_000_003L + epoch * 7_919L + partition);
            for (int i = rows - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** The features and labels of rows {@code order[from..to)}, as tensors of {@code featureShape} per example. */
    List<Tensor> batch(int[] order, int from, int to, int[] featureShape) {
        int n = to - from;
        float[] bx = new float[n * width];
        float[] by = values == null ? null : new float[n * labelWidth];
        int[] bc = classes == null ? null : new int[n];
        for (int i = 0; i < n; i++) {
            int r = order[from + i];
            System.arraycopy(x, r * width, bx, i * width, width);
            if (by != null) {
                System.arraycopy(values, r * labelWidth, by, i * labelWidth, labelWidth);
            } else {
                bc[i] = classes[r];
            }
        }
        int[] shape = new int[featureShape.length + 1];
        shape[0] = n;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        Tensor labels = bc != null ? Jf.constant(bc) : Tensor.of(HostTensor.of(by, n, labelWidth));
        return List.of(Tensor.of(HostTensor.of(bx, shape)), labels);
    }
}
