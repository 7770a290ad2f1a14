package io.jitflow.cli;

import io.jitflow.examples.KerasExamples;
import io.jitflow.examples.LinearClassifier;
import io.jitflow.examples.MnistClassifier;
import io.jitflow.examples.Tracing;
import io.jitflow.ir.Function;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Interpreter;
import io.jitflow.ir.TensorText;
import io.jitflow.ir.VariableStore;
import io.jitflow.ir.npy.Npy;
import io.jitflow.text.GraphFiles;
import io.jitflow.text.GraphPrinter;
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
 * NumPy-written arrays and compared with NumPy's own result, the other graphs are run, and a linear
 * classifier is trained with GradientTape.
 */
final class DemoCommand extends Command {
    DemoCommand() {
        super("demo", "[EXAMPLES_DIR]", "walk through the example graphs (default folder: examples)", Set.of(), Set.of());
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
        out.println("[1/6] Parse and verify every example graph in " + graphs);
        for (Path file : graphFiles(graphs)) {
            Graph g = GraphFiles.read(file);
            for (Function f : g.functions()) {
                out.printf("  %-28s @%s%n", file.getFileName(), Signatures.describe(f));
            }
        }
        out.println();
        Path linearFile = graphs.resolve("linear.jfg");
        Graph linear = GraphFiles.read(linearFile);
        out.println("[2/6] " + linearFile + " in canonical form (what `jitflow fmt` prints):");
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
        out.println("[3/6] The MLP classifies four points; the loss graph scores two examples");
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
        out.println("[4/6] A linear classifier trained from scratch with GradientTape (`jitflow example linear-classifier`)");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LinearClassifier.run(new PrintStream(log, true, StandardCharsets.UTF_8));
        log.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> !line.startsWith("Loss at step ") || line.matches("Loss at step (0|10|20|30|39):.*"))
                .forEach(line -> out.println("      " + line));
        out.println();
        out.println("[5/6] A traced function, before and after optimization, and its fused kernels "
                + "(`jitflow example tracing`)");
        ByteArrayOutputStream tracing = new ByteArrayOutputStream();
        Tracing.run(new PrintStream(tracing, true, StandardCharsets.UTF_8));
        tracing.toString(StandardCharsets.UTF_8).lines().forEach(line -> out.println(line.isEmpty() ? "" : "      " + line));
        out.println();
        out.println("[6/6] Keras-style training (`jitflow example keras`, `jitflow example mnist`)");
        KerasExamples.regression(out);
        KerasExamples.xor(out);
        KerasExamples.linearClassifier(out);
        out.println();
        io.jitflow.data.Mnist mnist = MnistClassifier.data(examples.resolve("data").resolve("mnist-10k"));
        MnistClassifier.sigmoidSgd(mnist, 2, out);
        out.println();
        MnistClassifier.reluAdam(mnist, 5, out);
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
