package io.jitflow.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * B4's fresh-JVM figure: a JVM started for it traces, compiles and runs B5's training step once
 * and prints the milliseconds from its main method's start to the result.
 */
final class FirstCall {
    private FirstCall() {
    }

    public static void main(String[] args) {
        long start = System.nanoTime();
        BenchCommand.Mlp mlp = BenchCommand.Mlp.create();
        mlp.step().callAll(mlp.x(), mlp.labels()).get(0).floatValue();
        System.out.printf("%.1f%n", (System.nanoTime() - start) / 1e6);
    }

    /** The milliseconds a fresh JVM (this one's java, class path and options) takes, or why it could not tell. */
    static String inFreshJvm() {
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FirstCall.class.getName()));
        try {
            Process p = new ProcessBuilder(command).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                return "the fresh JVM failed: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                        .strip().lines().reduce((a, b) -> b).orElse("");
            }
            return out;
        } catch (java.io.IOException e) {
            return "no fresh JVM: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
