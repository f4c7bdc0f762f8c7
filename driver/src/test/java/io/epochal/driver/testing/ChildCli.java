package io.epochal.driver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code epochal} command in a JVM of its own, for what only a JVM's own flags decide (its heap,
 * its {@code --add-opens}): a small job file whose job directory is {@code <dir>/job}, and a run of
 * the command on this test's class path, its output and error kept in files.
 */
public final class ChildCli {

  /** The exit code. */
  public final int code;
  /** Standard output. */
  public final String out;
  /** Standard error. */
  public final String err;

  private ChildCli(int code, String out, String err) {
    this.code = code;
    this.out = out;
    this.err = err;
  }

  /**
   * Writes {@code <dir>/job.properties}, a one-epoch MLP job named {@code name} on an empty data
   * folder {@code <dir>/data}, training into {@code <dir>/job}, and returns its path.
   */
  public static Path smallJobFile(Path dir, String name) throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Path spec = dir.resolve("job.properties");
    Files.write(spec, List.of("job.name=" + name, "job.dir=" + dir.resolve("job"), "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "optimizer.name=sgd", "optimizer.lr=0.1", "train.epochs=1",
        "data.path=" + dir.resolve("data").toUri(), "data.features=features"), StandardCharsets.UTF_8);
    return spec;
  }

  /**
   * Runs {@code epochal <args>} in a JVM started with {@code jvmOptions} (and nothing else but
   * {@code -Dai.djl.offline=true}), its output in {@code dir}, and waits up to two minutes for it.
   */
  public static ChildCli run(Path dir, List<String> jvmOptions, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-Dai.djl.offline=true", "-cp", System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")), "io.epochal.driver.cli.EpochalCli"));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the command ends").isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new ChildCli(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
