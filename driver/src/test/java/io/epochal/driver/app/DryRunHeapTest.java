package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.testing.ChildCli;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    Path spec = ChildCli.smallJobFile(tmp, "small-heap");
    List<String> jvm = new ArrayList<>(List.of("-Xmx300m", "-XX:TieredStopAtLevel=1"));
    String opens = System.getProperty("epochal.test.spark.java.opens", "");
    if (!opens.isBlank()) {
      jvm.addAll(List.of(opens.trim().split("\\s+")));
    }
    ChildCli run = ChildCli.run(tmp, jvm, "--master", "local[1]", "train", spec.toString(), "--dry-run");
    assertThat(run.code).as(run.err).isEqualTo(2);
    assertThat(run.err).contains("epochal: configuration error: the driver's heap (300 MiB) is below the 450 MiB "
        + "Spark needs to start: give it more, EPOCHAL_JAVA_OPTS=-Xmx1g before bin/epochal");
    assertThat(run.out).as("nothing printed as runnable").isEmpty();
    assertThat(tmp.resolve("job")).as("nothing written").doesNotExist();
  }
}
