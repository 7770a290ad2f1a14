package io.jitflow.examples;

import static io.jitflow.Jf.constant;
import static io.jitflow.Jf.matmul;
import static io.jitflow.Jf.randomNormal;
import static io.jitflow.Jf.randomUniform;
import static io.jitflow.Jf.reduceMean;
import static io.jitflow.Jf.square;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import java.io.PrintStream;
import java.util.List;

/**
 * A linear classifier trained from scratch with GradientTape: two Gaussian clouds of 1,000 points
 * (means (0, 3) and (3, 0), covariance [[1, 0.5], [0.5, 1]]), a 2x1 weight and a bias, square loss,
 * 40 full-batch gradient steps with learning rate 0.1. It prints the loss at each step and the line
 * the classifier learned.
 */
public final class LinearClassifier {
    /** What training ended with. */
    public record Result(float loss, float accuracy, float w1, float w2, float b) {
    }

    private static final int POINTS_PER_CLASS = 1000;

    private LinearClassifier() {
    }

    public static void main(String[] args) {
        run(System.out);
    }

    /** Samples with the given mean and covariance [[1, 0.5], [0.5, 1]], via its Cholesky factor. */
    private static Tensor cloud(double meanX, double meanY, long seed) {
        Tensor z = randomNormal(new int[] {POINTS_PER_CLASS, 2}, 0, 1, seed, DType.FLOAT32);
        Tensor choleskyTransposed = constant(new float[][] {{1, 0.5f}, {0, (float) Math.sqrt(0.75)}});
        return matmul(z, choleskyTransposed).add(constant(new float[] {(float) meanX, (float) meanY}));
    }

    public static Result run(PrintStream out) {
        Tensor negatives = cloud(0, 3, 1);
        Tensor positives = cloud(3, 0, 2);
        Tensor inputs = Jf.concat(List.of(negatives, positives), 0);
        Tensor targets = Jf.concat(List.of(Jf.zeros(POINTS_PER_CLASS, 1), Jf.ones(POINTS_PER_CLASS, 1)), 0);

        Variable w = new Variable(randomUniform(new int[] {2, 1}, 0, 1, 3, DType.FLOAT32), "W", true);
        Variable b = new Variable(Jf.zeros(1), "b", true);
        float learningRate = 0.1f;

        float loss = 0;
        for (int step = 0; step < 40; step++) {
            List<Tensor> grads;
            Tensor lossValue;
            try (GradientTape tape = new GradientTape()) {
                Tensor predictions = matmul(inputs, w).add(b);
                lossValue = reduceMean(square(targets.sub(predictions)));
                grads = tape.gradient(lossValue, List.of(w, b));
            }
            w.assignSub(grads.get(0).mul(learningRate));
            b.assignSub(grads.get(1).mul(learningRate));
            loss = lossValue.floatValue();
            out.printf("Loss at step %d: %.4f%n", step, loss);
        }

        Tensor predictions = matmul(inputs, w).add(b);
        Tensor correct = Jf.equal(Jf.greater(predictions, constant(0.5f)), Jf.greater(targets, constant(0.5f)));
        float accuracy = reduceMean(correct.cast(DType.FLOAT32)).floatValue();
        float[] wv = w.asTensor().toFloatArray();
        float bv = b.asTensor().toFloatArray()[0];
        out.printf("Training accuracy: %.1f%%%n", 100 * accuracy);
        // The decision boundary w1 x + w2 y + b = 0.5, solved for y.
        float intercept = (0.5f - bv) / wv[1];
        out.printf("Learned line: y = %.3f * x %s %.3f%n", -wv[0] / wv[1], intercept < 0 ? "-" : "+", Math.abs(intercept));
        return new Result(loss, accuracy, wv[0], wv[1], bv);
    }
}
