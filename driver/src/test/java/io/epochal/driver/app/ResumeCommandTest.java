package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.cli.CliOptions;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The command a failure or a stop names to continue a job is the one its user can run. */
class ResumeCommandTest {

  private static final String DEPLOY_MODE = "spark.submit.deployMode";

  @AfterEach
  void notSubmitted() {
    System.clearProperty(DEPLOY_MODE);
  }

  @Test
  void aDriverTheEpochalCommandStartedIsContinuedByItWithItsMasterAndConf() {
    CliOptions options = CliOptions.builder().optMaster("local[2]")
        .optSparkConf(Map.of("spark.hadoop.dfs.replication", "2")).build();
    assertThat(ResumeCommand.of(new Path("hdfs://nn:8020/jobs/a"), options)).isEqualTo("bin/epochal --master "
        + "'local[2]' --conf spark.hadoop.dfs.replication=2 resume hdfs://nn:8020/jobs/a");
  }

  @Test
  void aDriverSparkSubmitStartedIsContinuedByTheSameSubmissionWithResumeAsItsArguments() {
    System.setProperty(DEPLOY_MODE, "cluster");
    CliOptions options = CliOptions.builder().optMaster("yarn").build();
    assertThat(ResumeCommand.of(new Path("hdfs://nn:8020/jobs/a"), options)).isEqualTo("spark-submit <the "
        + "submission's options> --class io.epochal.driver.cli.EpochalCli epochal-app.jar resume hdfs://nn:8020/jobs/a");
  }
}
