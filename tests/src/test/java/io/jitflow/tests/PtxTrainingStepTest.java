package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jitflow.GradientTape;
import io.jitflow.Jf;
import io.jitflow.Jit;
import io.jitflow.JitFunction;
import io.jitflow.Tensor;
import io.jitflow.Variable;
import io.jitflow.ir.DType;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A whole MLP training step (sigmoid hidden layer, softmax cross-entropy on integer labels, the
 * gradients of every weight and an SGD update), traced into one graph and run on the CUDA
 * backend by the PTX interpreter: the loss and every updated variable against the reference.
 */
class PtxTrainingStepTest {
    @Test
    void anMlpTrainingStepMatchesTheReference() {
        Variable w1 = new Variable(Jf.randomNormal(new int[] {12, 16}, 0, 0.3, 1, DType.FLOAT32), "w1", true);
        Variable b1 = new Variable(Jf.zeros(16), "b1", true);
        Variable w2 = new Variable(Jf.randomNormal(new int[] {16, 5}, 0, 0.3, 2, DType.FLOAT32), "w2", true);
        Variable b2 = new Variable(Jf.zeros(5), "b2", true);
        List<Variable> variables = List.of(w1, b1, w2, b2);
        JitFunction step = Jit.function("train_step", args -> {
            try (GradientTape tape = new GradientTape()) {
                Tensor hidden = Jf.sigmoid(Jf.matmul(args.get(0), w1).add(b1));
                Tensor logits = Jf.matmul(hidden, w2).add(b2);
                Tensor loss = Jf.reduceMean(Jf.logSoftmax(logits).mul(Jf.oneHot(args.get(1), 5)).sum(1).neg());
                List<Tensor> g = tape.gradient(loss, List.copyOf(variables));
                for (int i = 0; i < variables.size(); i++) {
                    variables.get(i).assignSub(g.get(i).mul(0.5));
                }
                return List.of(loss);
            }
        });
        Tensor x = Jf.randomUniform(new int[] {8, 12}, -1, 1, 3, DType.FLOAT32);
        Tensor labels = Jf.constant(new int[] {0, 1, 2, 3, 4, 0, 1, 2});
        Graph graph = step.tracedGraph(x, labels);
        Function f = graph.functions().get(0);
        Map<String, HostTensor> inputs = Map.of("arg0", x.toHostTensor(), "arg1", labels.toHostTensor());
        assertEquals(4, f.nodes().stream().filter(n -> n.op() == io.jitflow.ir.Op.ASSIGN_VARIABLE).count());
        Differential.check(graph, f, inputs, "the MLP training step", PtxDifferentialTest::runOnPtx,
                PtxCases.MATH_LIBRARY);
    }

    /**
     * A Keras model's saved training step (Adam, sparse categorical cross-entropy, accuracy) on the
     * CUDA backend: every function of the file compiles to PTX and matches the reference.
     */
    @Test
    void aKerasAdamTrainingStepRunsOnTheCudaBackend(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        io.jitflow.data.Mnist data = io.jitflow.data.Mnist.load(Repository.examples().resolve("data/mnist-10k"));
        Jf.setRandomSeed(3);
        io.jitflow.keras.Sequential model = new io.jitflow.keras.Sequential(new io.jitflow.keras.layers.Input(28, 28),
                new io.jitflow.keras.layers.Flatten(), new io.jitflow.keras.layers.Dense(16, "relu"),
                new io.jitflow.keras.layers.Dense(10, "softmax"));
        model.compile("adam", "sparse_categorical_crossentropy", "accuracy");
        Tensor x = Jf.gather(data.trainImages(), Jf.range(0, 8, 1), 0);
        Tensor labels = Jf.gather(data.trainLabels(), Jf.range(0, 8, 1), 0);
        model.fit(x, labels, io.jitflow.keras.FitOptions.epochs(1).batchSize(8).verbose(0));
        java.nio.file.Path file = dir.resolve("model.jfg");
        model.save(file);
        Graph graph = io.jitflow.text.GraphFiles.read(file);
        Graph optimized = io.jitflow.passes.PassManager.defaultPipeline().run(graph);
        Function step = optimized.function("train_step").orElseThrow();
        Map<String, HostTensor> inputs = new java.util.LinkedHashMap<>();
        inputs.put(step.inputs().get(0).name(), x.toHostTensor());
        inputs.put(step.inputs().get(1).name(), labels.toHostTensor());
        Differential.check(optimized, step, inputs, "the Keras train_step", PtxDifferentialTest::runOnPtx,
                PtxCases.tolerance(Compiled.lower(step, optimized.inferenceContext())));
    }
}
