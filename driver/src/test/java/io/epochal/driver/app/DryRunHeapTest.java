package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dry run in a JVM whose heap is below what Spark needs to start refuses in one line, before it
 * prints the spec as runnable, as it refuses a master Spark cannot run: the run would fail the
 * same way once its session starts.
 */
class DryRunHeapTest {

  @TempDir
  Path tmp;

  @Test
  void trainDryRunOnAHeapBelowSparksMinimumRefusesBeforePrintingTheSpec() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    Path spec = tmp.resolve("job.properties");
    Files.write(spec, List.of("job.name=small-heap", "job.dir=" + tmp.resolve("job"), "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "optimizer.name=sgd", "optimizer.lr=0.1", "train.epochs=1",
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features"), StandardCharsets.UTF_8);
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx300m", "-XX:TieredStopAtLevel=1"));
    String opens = System.getProperty("epochal.test.spark.java.opens", "");
    if (!opens.isBlank()) {
      cmd.addAll(List.of(opens.trim().split("\\s+")));
    }
    cmd.addAll(List.of("-Dai.djl.offline=true", "-cp", System.getProperty("surefire.test.class.path",
        System.getProperty("java.class.path")), "io.epochal.driver.cli.EpochalCli", "--master", "local[1]", "train",
        spec.toString(), "--dry-run"));
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the dry run ends").isTrue();
    } finally {
      p.destroyForcibly();
    }
    String stderr = Files.readString(err);
    assertThat(p.exitValue()).as(stderr).isEqualTo(2);
    assertThat(stderr).contains("epochal: configuration error: the driver's heap (300 MiB) is below the 450 MiB "
        + "Spark needs to start: give it more, EPOCHAL_JAVA_OPTS=-Xmx1g before bin/epochal");
    assertThat(Files.readString(out)).as("nothing printed as runnable").isEmpty();
    assertThat(tmp.resolve("job")).as("nothing written").doesNotExist();
  }
}
