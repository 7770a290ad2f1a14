package io.jitflow.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/standalone, a project of its own with a minimal pom.xml that depends on
 * {@code io.jitflow:keras}, builds with Maven and runs, as the README says: this build's modules
 * are put in the local Maven repository first (what {@code mvn install} does), then the project is
 * built offline there and its program run, which trains a model.
 */
class StandaloneProjectTest {
    private static final String VERSION = "0.1.0-SNAPSHOT";

    @TempDir
    Path dir;

    @Test
    void theStandaloneProjectBuildsAgainstTheInstalledJarsAndTrains() throws Exception {
        Path repository = localRepository();
        install(repository);
        Path project = dir.resolve("standalone");
        copyTree(Repository.examples().resolve("standalone"), project);
        run(project, List.of(maven(), "-B", "-o", "-q", "-Dmaven.repo.local=" + repository, "package"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String output = run(project, List.of(java, "--add-modules", "jdk.incubator.vector", "-cp",
                "target/standalone.jar" + File.pathSeparator + "target/lib/*", "com.example.Main"));
        assertTrue(output.contains("Total params: 354"), output);
        Matcher accuracy = Pattern.compile("accuracy (\\d\\.\\d+)").matcher(output);
        assertTrue(accuracy.find(), output);
        assertTrue(Double.parseDouble(accuracy.group(1)) > 0.95, output);
    }

    /** The local repository this test's own dependencies were resolved from (where ASM's jar lies). */
    private static Path localRepository() throws Exception {
        Path asm = Path.of(org.objectweb.asm.ClassWriter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // .../repository/org/ow2/asm/asm/<version>/asm-<version>.jar
        Path root = asm.getParent().getParent().getParent().getParent().getParent().getParent();
        assertTrue(Files.isDirectory(root.resolve("org/ow2/asm")), "not a Maven repository: " + root);
        return root;
    }

    /**
     * Puts each Jitflow module on this test's class path (a jar, or the classes folder when the build
     * did not package) and the parent pom into the repository, as {@code mvn install} lays them out.
     */
    private static void install(Path repository) throws IOException {
        Path root = Repository.root();
        put(root.resolve("pom.xml"), repository, "jitflow-parent", "pom");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath();
            if (!path.startsWith(root) || !path.getParent().getFileName().toString().equals("target")) {
                continue;
            }
            Path module = path.getParent().getParent();
            String artifact = module.getFileName().toString();
            // A module's target/<module>-<version>.jar or target/classes; not the tests module's, nor a test jar.
            boolean classes = Files.isDirectory(path) && path.getFileName().toString().equals("classes");
            if (artifact.equals("tests") || !classes && !path.getFileName().toString().equals(artifact + "-" + VERSION
                    + ".jar")) {
                continue;
            }
            put(module.resolve("pom.xml"), repository, artifact, "pom");
            if (classes) {
                Path jar = Files.createTempFile(artifact, ".jar");
                jarOf(path, jar);
                put(jar, repository, artifact, "jar");
                Files.delete(jar);
            } else {
                put(path, repository, artifact, "jar");
            }
        }
    }

    private static void put(Path file, Path repository, String artifact, String extension) throws IOException {
        Path target = repository.resolve("io/jitflow/" + artifact + "/" + VERSION + "/" + artifact + "-" + VERSION + "."
                + extension);
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void jarOf(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                zip.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(p -> !from.relativize(p).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    /** Maven's launcher, from the PATH (the build that runs this test was started by it). */
    private static String maven() {
        for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(folder, "mvn"))) {
                return Path.of(folder, "mvn").toString();
            }
        }
        return fail("mvn is not on the PATH; this test builds a project with Maven");
    }

    private static String run(Path directory, List<String> command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile()).redirectErrorStream(true)
                .start();
        byte[] bytes = p.getInputStream().readAllBytes();
        String output = new String(bytes);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + command + "\n" + output);
        assertEquals(0, p.exitValue(), command + "\n" + output);
        return output;
    }
}
