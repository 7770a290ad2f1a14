package io.jitflow.cli;

import io.jitflow.compiler.AheadOfTime;
import io.jitflow.compiler.CompileOptions;
import io.jitflow.Jf;
import io.jitflow.Tensor;
import io.jitflow.examples.KerasExamples;
import io.jitflow.examples.LinearClassifier;
import io.jitflow.examples.MnistClassifier;
import io.jitflow.examples.MnistConvnet;
import io.jitflow.examples.Tracing;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.TensorText;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.npy.Npy;
import io.jitflow.ir.text.GraphPrinter;
import io.jitflow.keras.SavedModel;
import io.jitflow.onnx.Onnx;
import io.jitflow.keras.Sequential;
import io.jitflow.runtime.aot.AotModule;
import io.jitflow.text.GraphFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code jitflow demo [EXAMPLES_DIR]}: the main job. It walks through what is built so far: the
 * example graph files are parsed and verified, the linear model is shown in canonical text, run on
 * NumPy-written arrays and compared with NumPy's own result, the other graphs are run, a linear
 * classifier is trained with GradientTape, a function is traced and fused, Keras-style models (MLPs
 * and the classic convnet) are trained on MNIST, the relu MLP is exported, compiled ahead of time
 * and run from its jar, and an ONNX model made by ONNX's tools is imported and run.
 */
final class DemoCommand extends Command {
    DemoCommand() {
        super("demo", "[EXAMPLES_DIR] [--quick]", "walk through the example graphs (default folder: examples; --quick: "
                + "the convnet trains one epoch instead of " + MnistConvnet.EPOCHS + ")", Set.of(), Set.of("quick"));
    }

    @Override
    void run(Arguments args, PrintStream out) throws Exception {
        if (args.positionals().size() > 1) {
            throw new UsageException("expected at most one EXAMPLES_DIR");
        }
        Path examples = Path.of(args.positionals().isEmpty() ? "examples" : args.positionals().get(0));
        Path graphs = examples.resolve("graphs");
        if (!Files.isDirectory(graphs)) {
            throw new IOException("no example graphs in " + graphs + " (run the demo from the repository root)");
        }
        out.println("Jitflow demo: graph files, GradientTape, the JIT and Keras-style training");
        out.println();
        out.println("[1/9] Parse and verify every example graph in " + graphs);
        for (Path file : graphFiles(graphs)) {
            Graph g = GraphFiles.read(file);
            for (Function f : g.functions()) {
                out.printf("  %-28s @%s%n", file.getFileName(), Signatures.describe(f));
            }
        }
        out.println();
        Path linearFile = graphs.resolve("linear.jfg");
        Graph linear = GraphFiles.read(linearFile);
        out.println("[2/9] " + linearFile + " in canonical form (what `jitflow fmt` prints):");
        out.println();
        GraphPrinter.print(linear).lines().forEach(line -> out.println(line.isEmpty() ? "" : "    " + line));
        out.println();
        Path data = examples.resolve("data").resolve("linear");
        Map<String, HostTensor> inputs = Map.of("x", Npy.read(data.resolve("x.npy")), "W", Npy.read(data.resolve("W.npy")),
                "b", Npy.read(data.resolve("b.npy")));
        HostTensor y = Interpreter.run(linear.functions().get(0), inputs, new VariableStore()).get("y");
        HostTensor expected = Npy.read(data.resolve("expected_y.npy"));
        out.println("      y = x @ W + b on the NumPy arrays in " + data + ":");
        out.println(indent(TensorText.format(y), "        "));
        out.println("      bit-identical to NumPy's result: " + (y.equals(expected) ? "yes" : "NO"));
        out.println();
        out.println("[3/9] The MLP classifies four points; the loss graph scores two examples");
        Graph mlp = GraphFiles.read(graphs.resolve("mlp.jfg"));
        HostTensor points = HostTensor.of(new float[] {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, 4, 4);
        VariableStore weights = VariableStore.initialValues(mlp);
        HostTensor p = Interpreter.run(mlp, "probabilities", Map.of("x", points), weights).get("p");
        HostTensor classes = Interpreter.run(mlp, "predict", Map.of("x", points), weights).get("class");
        out.println("      probabilities:");
        out.println(indent(TensorText.format(p), "        "));
        out.println("      predicted classes: " + TensorText.format(classes));
        Graph loss = GraphFiles.read(graphs.resolve("softmax_cross_entropy.jfg"));
        float[] logits = new float[20];
        logits[3] = 4;
        logits[17] = 1;
        HostTensor value = Interpreter.run(loss, "loss", Map.of("logits", HostTensor.of(logits, 2, 10),
                "labels", HostTensor.of(new int[] {3, 2}, 2)), new VariableStore()).get("loss");
        out.println("      cross-entropy for labels [3 2]: " + TensorText.format(value));
        out.println();
        out.println("[4/9] A linear classifier trained from scratch with GradientTape (`jitflow example linear-classifier`)");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LinearClassifier.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        log.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> !line.startsWith("Loss at step ") || line.matches("Loss at step (0|10|20|30|39):.*"))
                .forEach(line -> out.println("      " + line));
        out.println();
        out.println("[5/9] A traced function, before and after optimization, and its fused kernels "
                + "(`jitflow example tracing`)");
        ByteArrayOutputStream tracing = new ByteArrayOutputStream();
        Tracing.run(new PrintStream(tracing, true, StandardCharsets.UTF_8));
        tracing.toString(StandardCharsets.UTF_8).lines().forEach(line -> out.println(line.isEmpty() ? "" : "      " + line));
        out.println();
        out.println("[6/9] Keras-style training (`jitflow example keras`, `jitflow example mnist`)");
        KerasExamples.regression(out);
        KerasExamples.xor(out);
        KerasExamples.linearClassifier(out);
        KerasExamples.twoInputBits(out, Files.createTempDirectory("jitflow-demo").resolve("two-input-curves.svg"));
        out.println();
        io.jitflow.data.Mnist mnist = MnistClassifier.data(examples.resolve("data").resolve("mnist-10k"));
        MnistClassifier.sigmoidSgd(mnist, 2, out);
        out.println();
        MnistClassifier.Trained trained = MnistClassifier.reluAdam(mnist, 5, out);
        out.println();
        int epochs = args.flag("quick") ? 1 : MnistConvnet.EPOCHS;
        out.println("[7/9] The classic Keras MNIST convnet, " + epochs + " epoch" + (epochs == 1 ? " (--quick)" : "s")
                + " (`jitflow example cnn`)");
        MnistConvnet.train(mnist, epochs, out);
        out.println();
        aheadOfTime(trained.model(), mnist, out);
        out.println();
        onnx(examples.resolve("onnx"), trained.model(), mnist, out);
    }

    /**
     * Imports an ONNX model made by ONNX's own tools, runs it compiled against the outputs ONNX
     * computed, and sends the trained MNIST model to ONNX and back.
     */
    private static void onnx(Path dir, Sequential model, io.jitflow.data.Mnist mnist, PrintStream out) throws IOException {
        Path file = dir.resolve("layer_normalization").resolve("model.onnx");
        Path data = file.resolveSibling("test_data_set_0");
        out.println("[9/9] ONNX: import a model written by ONNX's tools, and export ours (`jitflow import`, `jitflow export`)");
        Graph g = Onnx.read(file);
        Function f = g.functions().get(0);
        int kernels = new io.jitflow.compiler.CompilerDriver(CompileOptions.fromSystemProperties())
                .lower(f, g.inferenceContext()).kernels().size();
        out.printf("      %s: LayerNormalization expanded into 31 ONNX nodes (Shape, Size, Slice, ConstantOfShape, ...)%n", file);
        out.printf("      imported as @%s: %d nodes after folding the shape computations, %d fused kernel%s%n",
                Signatures.describe(f), f.nodes().size(), kernels, kernels == 1 ? "" : "s");
        Map<String, Tensor> inputs = new java.util.LinkedHashMap<>();
        for (int i = 0; i < f.inputs().size(); i++) {
            inputs.put(f.inputs().get(i).name(), Tensor.of(Onnx.readTensor(data.resolve("input_" + i + ".pb"))));
        }
        Map<String, Tensor> results = io.jitflow.Jit.load(file).call(Onnx.FUNCTION_NAME, inputs);
        double worst = 0;
        int j = 0;
        for (Tensor r : results.values()) {
            float[] expected = Onnx.readTensor(data.resolve("output_" + j++ + ".pb")).toFloatArray();
            float[] actual = r.toFloatArray();
            for (int k = 0; k < expected.length; k++) {
                worst = Math.max(worst, Math.abs(expected[k] - actual[k]));
            }
        }
        out.printf("      compiled, its %d outputs differ from ONNX's reference outputs by at most %.2g%n", results.size(), worst);
        Path exported = Files.createTempDirectory("jitflow-demo").resolve("mnist.onnx");
        model.save(exported);
        float[] back = io.jitflow.Jit.load(exported).call(Onnx.FUNCTION_NAME, Map.of("x", mnist.testImages()))
                .get("y").toFloatArray();
        out.printf("      the relu MNIST model saved as %s (%,d bytes, opset %d) and read back predicts the %,d test images "
                + "as the model does: %s%n", exported, Files.size(exported), Onnx.exportOpset(), mnist.testImages().shape()[0],
                java.util.Arrays.equals(back, model.predict(mnist.testImages()).toFloatArray()) ? "bit for bit" : "within rounding");
    }

    /** Exports the trained model, compiles it ahead of time and checks the jar's predictions against the JIT's. */
    private static void aheadOfTime(Sequential model, io.jitflow.data.Mnist mnist, PrintStream out) throws IOException {
        Path dir = Files.createTempDirectory("jitflow-demo");
        Path file = dir.resolve("mnist.jfg");
        Path jar = dir.resolve("mnist.jar");
        out.println("[8/9] Export the model, compile it ahead of time, run the jar (`jitflow compile`, `jitflow exec`)");
        model.save(file);
        try (var files = Files.list(dir)) {
            // The graph and its sidecar; not the writers' hidden lock file.
            for (Path f : files.filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList()) {
                out.printf("      exported %s (%,d bytes)%n", f, Files.size(f));
            }
        }
        long start = System.nanoTime();
        AheadOfTime.compile(file, jar, AheadOfTime.Target.ALL, CompileOptions.fromSystemProperties());
        out.printf("      compiled %s (%,d bytes, JVM classes and CUDA PTX) in %.0f ms%n", jar, Files.size(jar),
                (System.nanoTime() - start) / 1e6);
        Tensor one = Jf.gather(mnist.testImages(), Jf.range(0, 1, 1), 0);
        start = System.nanoTime();
        SavedModel.load(file).predict(one);
        double jitMillis = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        AotModule aot = AotModule.load(jar);
        aot.call("predict", Map.of("x", one.toHostTensor()));
        double aotMillis = (System.nanoTime() - start) / 1e6;
        out.printf("      load and predict one image: JIT (parse, optimize, generate) %.0f ms, AOT jar %.0f ms%n",
                jitMillis, aotMillis);
        float[] jit = model.predict(mnist.testImages()).toFloatArray();
        float[] ahead = Tensor.of(aot.call("predict", Map.of("x", mnist.testImages().toHostTensor())).get("y")).toFloatArray();
        out.printf("      predictions of the %,d test images equal the JIT's bit for bit: %s%n",
                mnist.testImages().shape()[0], java.util.Arrays.equals(jit, ahead) ? "yes" : "NO");
        onGpu(jar, mnist, jit, out);
        out.println("      from the shell: ./jitflow compile " + file + " -o " + jar + " --target all");
        out.println("                      ./jitflow exec " + jar + " --function predict --input x=IMAGES.npy --output-dir OUT");
    }

    /** Runs the jar's PTX on the first GPU where there is one; otherwise says why not. */
    private static void onGpu(Path jar, io.jitflow.data.Mnist mnist, float[] jit, PrintStream out) throws IOException {
        if (!io.jitflow.runtime.cuda.Cuda.isAvailable()) {
            out.println("      CUDA: " + io.jitflow.runtime.cuda.Cuda.unavailableReason());
            out.println("      (on a GPU, AotModule.load(jar, Device.cuda(0)) runs the jar's PTX)");
            return;
        }
        AotModule gpu = AotModule.load(jar, io.jitflow.runtime.Device.cuda(0));
        float[] onGpu = Tensor.of(gpu.call("predict", Map.of("x", mnist.testImages().toHostTensor())).get("y")).toFloatArray();
        double worst = 0;
        for (int i = 0; i < jit.length; i++) {
            worst = Math.max(worst, Math.abs(jit[i] - onGpu[i]));
        }
        out.printf("      on %s: predictions differ from the JIT's by at most %.2g%n", io.jitflow.runtime.cuda.Cuda.device(0), worst);
    }

    private static List<Path> graphFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jfg")) {
            stream.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    private static String indent(String text, String prefix) {
        return prefix + text.replace("\n", "\n" + prefix);
    }
}
