package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A job file that is not there is said with where it was looked for: the working directory a
 * relative path was resolved in, and for a driver started in cluster deploy mode, on a node of the
 * cluster, how to give that node the file.
 */
class MissingJobFileTest {

  @Test
  void anAbsolutePathOnTheLaunchingMachineNeedsNoMore() {
    assertThat(JobFileReader.whereMissing(Path.of("/jobs/mnist.properties"), "")).isEmpty();
    assertThat(JobFileReader.whereMissing(Path.of("/jobs/mnist.properties"), "client")).isEmpty();
  }

  @Test
  void aRelativePathNamesTheWorkingDirectoryItWasLookedForIn() {
    assertThat(JobFileReader.whereMissing(Path.of("mnist.properties"), "client"))
        .isEqualTo(" (looked for in the working directory " + Path.of("").toAbsolutePath() + ")");
  }

  @Test
  void aClusterModeDriverSaysItRunsOnANodeOfTheClusterAndHowToGiveItTheFile() {
    assertThat(JobFileReader.whereMissing(Path.of("mnist.properties"), "cluster"))
        .startsWith(" (looked for in the working directory " + Path.of("").toAbsolutePath() + ": spark-submit "
            + "started this driver in cluster deploy mode, on a node of the cluster")
        .contains("--files <job file> on YARN").contains("--conf spark.epochal.<key>");
    assertThat(JobFileReader.whereMissing(Path.of("/shared/mnist.properties"), "cluster"))
        .startsWith(" (looked for on the node running this driver: spark-submit started this driver in cluster");
  }
}
