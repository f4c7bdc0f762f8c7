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

  @Test
  void aJobFileGivenAsAnHdfsUriIsSaidToBeReadLocallyNotMerelyMissing() {
    // the shell hands "hdfs://nn:8020/jobs/a.properties" over; as a local path its "//" reads as one '/'
    ConfigException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> JobFileReader.read(
        Path.of("hdfs://nn:8020/jobs/a.properties"), new java.util.ArrayList<>()), ConfigException.class);
    assertThat(e).hasMessageContaining("job file hdfs:/nn:8020/jobs/a.properties names a hdfs URI")
        .hasMessageContaining("a job file is read from the local file system").hasMessageContaining("--files")
        .hasMessageNotContaining("does not exist");
    ConfigException local = org.assertj.core.api.Assertions.catchThrowableOfType(() -> JobFileReader.read(
        Path.of("/no/such/dir/a.properties"), new java.util.ArrayList<>()), ConfigException.class);
    assertThat(local).hasMessageContaining("job file /no/such/dir/a.properties does not exist");
  }
}
