package io.epochal.worker.round;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test-scope main class in a fresh JVM on this JVM's classpath (offline DJL, one intra-op
 * and one inter-op PyTorch thread) and waits for it; the process is destroyed if it outlives its
 * timeout or the wait is interrupted.
 */
final class ChildJvm {

  /** What the child printed (stdout and stderr interleaved) and its exit code. */
  record Outcome(int exitCode, String output) {}

  private ChildJvm() {}

  /**
   * Runs {@code mainClass} with {@code jvmOptions} and {@code args}.
   *
   * @throws IllegalStateException if the child does not finish within {@code timeoutSeconds}
   */
  static Outcome run(Class<?> mainClass, List<String> jvmOptions, List<String> args, Path log,
      long timeoutSeconds) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Dai.djl.pytorch.num_threads=1");
    cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
    cmd.addAll(jvmOptions);
    cmd.add(mainClass.getName());
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        throw new IllegalStateException(mainClass.getSimpleName() + " did not finish within " + timeoutSeconds
            + " s; its output so far: " + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Outcome(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
